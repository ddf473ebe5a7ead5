// Large arrays (waveforms) are stored once, by id, and results carry only a reference
// (SPEC part 12). The daemon backs this with SQLite (store/); embedding users and tests can
// use the in-memory store.
import { randomBytes } from 'node:crypto';
import type { ArrayDataType } from '../config/types.js';
import type { NumericArray } from '../drivers/driver.js';

export interface StoredBuffer {
  id: string;
  jobId: string;
  dataType: ArrayDataType;
  elementCount: number;
  data: NumericArray;
}

export interface BufferStore {
  put(jobId: string, data: NumericArray, dataType: ArrayDataType): string;
  get(id: string): StoredBuffer | undefined;
}

export function newBufferId(): string {
  return `buf_${randomBytes(8).toString('hex')}`;
}

export class MemoryBufferStore implements BufferStore {
  private readonly buffers = new Map<string, StoredBuffer>();

  put(jobId: string, data: NumericArray, dataType: ArrayDataType): string {
    const id = newBufferId();
    this.buffers.set(id, { id, jobId, dataType, elementCount: data.length, data });
    return id;
  }

  get(id: string): StoredBuffer | undefined {
    return this.buffers.get(id);
  }
}

/** The numbers of an array as plain JS numbers (64-bit integer types are converted). */
export function toNumberArray(data: NumericArray): number[] {
  if (Array.isArray(data)) return data;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Array.from(data, Number);
  return Array.from(data as Float64Array);
}
