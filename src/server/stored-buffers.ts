// Buffers (large arrays of results) kept in the job store, so they survive a daemon restart.
import type { ArrayDataType } from '../config/types.js';
import { toBytes, typedArrayFromBytes } from '../drivers/typed-arrays.js';
import type { NumericArray } from '../drivers/driver.js';
import { newBufferId, type BufferStore, type StoredBuffer } from '../results/buffer-store.js';
import type { JobStore } from '../store/job-store.js';

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
    const data = typedArrayFromBytes(row.data, row.dataType, row.elementCount);
    return { id, jobId: row.jobId ?? '', dataType: row.dataType, elementCount: row.elementCount, data };
  }
}
