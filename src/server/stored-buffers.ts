// Buffers (large arrays of results) kept in the job store, so they survive a daemon restart.
import type { ArrayDataType } from '../config/types.js';
import type { NumericArray } from '../drivers/driver.js';
import { newBufferId, type BufferStore, type StoredBuffer } from '../results/buffer-store.js';
import type { JobStore } from '../store/job-store.js';

const ARRAY_TYPES = {
  float32: Float32Array, float64: Float64Array, int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array,
  int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array,
} as const;

/** The array as raw bytes of its data type (plain arrays are converted). */
function toBytes(data: NumericArray, dataType: ArrayDataType): Uint8Array {
  if (!Array.isArray(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  let typed: ArrayBufferView;
  if (dataType === 'int64') typed = BigInt64Array.from(data, (n) => BigInt(Math.trunc(n)));
  else if (dataType === 'uint64') typed = BigUint64Array.from(data, (n) => BigInt(Math.trunc(n)));
  else typed = new (ARRAY_TYPES[dataType] as Float64ArrayConstructor)(data);
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}

export class StoredBufferStore implements BufferStore {
  constructor(private readonly store: JobStore) {}

  put(jobId: string, data: NumericArray, dataType: ArrayDataType): string {
    const id = newBufferId();
    this.store.putBuffer(id, jobId, dataType, toBytes(data, dataType), data.length);
    return id;
  }

  get(id: string): StoredBuffer | undefined {
    const row = this.store.getBuffer(id);
    if (!row) return undefined;
    const Type = ARRAY_TYPES[row.dataType];
    // Copy: the row's Buffer may not be aligned for the element type.
    const bytes = new Uint8Array(row.data);
    const data = new (Type as Float64ArrayConstructor)(bytes.buffer, bytes.byteOffset, row.elementCount) as NumericArray;
    return { id, jobId: row.jobId ?? '', dataType: row.dataType, elementCount: row.elementCount, data };
  }
}
