// A command's value on the instrument side, and how a WireValue from a worker becomes one
// (large arrays are read from their transfer file, which is then removed).
import type { ArrayDataType } from '../config/types.js';
import type { NumericArray } from '../drivers/driver.js';
import type { WireValue } from '../worker/protocol.js';
import { readArrayFile, removeArrayFile } from '../worker/array-transfer.js';

export type CommandValue =
  | { type: 'void' }
  | { type: 'double'; value: number }
  | { type: 'int64'; value: number }
  | { type: 'string'; value: string }
  | { type: 'bool'; value: boolean }
  | { type: 'array'; data: NumericArray; dataType: ArrayDataType };

export interface CommandOutcome {
  ok: boolean;
  value?: CommandValue;
  error?: string;
  /** Epoch ms (fractional) when the instrument's worker started and finished the command. */
  startedAt: number;
  finishedAt: number;
  timedOut?: boolean;
  /** True when the worker took the command up (its answer, success or failure, came from the worker). */
  reachedInstrument?: boolean;
}

/** Throws when the value is malformed or its transfer file cannot be read. */
export function decodeWireValue(value: WireValue): CommandValue {
  switch (value.type) {
    case 'void': return { type: 'void' };
    case 'double': case 'int64': return { type: value.type, value: value.value === null || value.value === undefined ? NaN : Number(value.value) };
    case 'string': return { type: 'string', value: String(value.value ?? '') };
    case 'bool': return { type: 'bool', value: Boolean(value.value) };
    case 'array':
      if ('shm' in value) return { type: 'array', dataType: value.dataType, data: readArrayFile(value.shm, value.count, value.dataType) };
      return { type: 'array', dataType: value.dataType, data: value.value };
    default: throw new Error(`unknown value type ${JSON.stringify((value as { type: unknown }).type)}`);
  }
}

/** Removes the transfer file of a value nobody will read (its command was already failed). */
export function discardWireValue(value: WireValue | undefined): void {
  if (value && value.type === 'array' && 'shm' in value) removeArrayFile(value.shm);
}

/** Short human form: `[double] 0.5`, `[array float64 × 1000] 0, 0.0063, …`. */
export function formatCommandValue(value: CommandValue | undefined): string {
  if (!value || value.type === 'void') return '[void]';
  if (value.type !== 'array') return `[${value.type}] ${value.type === 'string' ? JSON.stringify(value.value) : String(value.value)}`;
  const data = value.data as ArrayLike<number | bigint>;
  const first = Array.from({ length: Math.min(8, data.length) }, (_, i) => String(data[i]));
  return `[array ${value.dataType} × ${data.length}] ${first.join(', ')}${data.length > first.length ? ', …' : ''}`;
}
