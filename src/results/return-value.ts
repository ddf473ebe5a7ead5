import type { CommandValue } from '../instruments/instrument.js';
import type { ReturnValue } from './types.js';
import { toNumberArray, type BufferStore } from './buffer-store.js';

/** Arrays with more elements than this become buffers instead of inline values. */
export const DEFAULT_BUFFER_THRESHOLD = 256;

/** Turns what an instrument returned into the recorded form, storing large arrays as buffers. */
export function toReturnValue(value: CommandValue | undefined, jobId: string, buffers: BufferStore, threshold = DEFAULT_BUFFER_THRESHOLD): ReturnValue {
  if (!value) return { type: 'void' };
  if (value.type !== 'array') return value;
  if (value.data.length > threshold) {
    const bufferId = buffers.put(jobId, value.data, value.dataType);
    return { type: 'buffer', buffer_id: bufferId, element_count: value.data.length, data_type: value.dataType };
  }
  return { type: 'array', value: toNumberArray(value.data) };
}
