// The messages between the daemon side (instruments/instrument.ts) and an instrument worker
// process (worker/main.ts). Declared once here and used on both sides. The protocol carries
// plain JSON-compatible objects so it can later run over another transport than Node's IPC
// channel (SPEC: keep the worker protocol transport-agnostic).
import type { ArrayDataType, BoundParams, LoadedInstrument, ReturnType } from '../config/types.js';

/** One command for the worker. Commands are executed strictly in the order they arrive. */
export interface WireCommand {
  id: number;
  verb: string;
  params: BoundParams;
  channel?: number;
  /** Overrides the configured timeout for this command. */
  timeoutMs?: number;
}

/** A value as it crosses the process boundary. Large arrays travel out of band (see `shm`). */
export type WireValue =
  | { type: Exclude<ReturnType, 'array'>; value?: number | string | boolean }
  | { type: 'array'; dataType: ArrayDataType; value: number[] }
  /** Array of ≥ 64 KiB written raw (little-endian) to a file under /dev/shm; the receiver reads and unlinks it. */
  | { type: 'array'; dataType: ArrayDataType; count: number; shm: string };

export interface WireResult {
  id: number;
  ok: boolean;
  value?: WireValue;
  error?: string;
  /** Set when the command failed because it ran past its timeout. */
  timedOut?: boolean;
  /** Epoch ms (fractional) when the driver started and finished the command. */
  startedAt: number;
  finishedAt: number;
}

export type ToWorker =
  | { t: 'init'; instrument: LoadedInstrument; pluginPath?: string; heartbeatMs: number; logLevel?: string }
  | { t: 'exec'; commands: WireCommand[] }
  | { t: 'ping'; seq: number }
  | { t: 'shutdown' };

export type FromWorker =
  | { t: 'ready'; identity?: string }
  | { t: 'init_failed'; error: string }
  | { t: 'results'; results: WireResult[] }
  | { t: 'pong'; seq: number }
  | { t: 'heartbeat' }
  | { t: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string };

/** Arrays at or above this many bytes cross the boundary through a shared-memory file. */
export const LARGE_ARRAY_BYTES = 64 * 1024;
