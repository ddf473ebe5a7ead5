// The result record of SPEC part 12, declared once and used by the scheduler, the job store,
// the RPC layer and the CLI. The published JSON Schema (schemas/job-result.schema.json) matches it.
import type { ArrayDataType, BoundParams } from '../config/types.js';

/** A command's return value as recorded. Arrays above the buffer threshold become buffer references. */
export type ReturnValue =
  | { type: 'void' }
  | { type: 'double'; value: number }
  | { type: 'int64'; value: number }
  | { type: 'string'; value: string }
  | { type: 'bool'; value: boolean }
  | { type: 'array'; value: number[] }
  | { type: 'buffer'; buffer_id: string; element_count: number; data_type: ArrayDataType };

/** One call of a script, in execution order. */
export interface CommandRecord {
  index: number;
  /** `DAC1` or `DAC1:2` when a channel was addressed. */
  instrument: string;
  verb: string;
  params: BoundParams;
  /** Epoch ms when the instrument executed the command (absent when it never reached one). */
  executed_at_ms?: number;
  started_at?: number;
  finished_at?: number;
  duration_ms?: number;
  return?: ReturnValue;
  error?: string;
}

export interface LogLine {
  at_ms: number;
  level: 'info' | 'warn' | 'error' | 'print';
  message: string;
}

export interface JobResult {
  status: 'success' | 'error';
  script: string;
  results: CommandRecord[];
  log: LogLine[];
  error?: string;
}
