// Messages between the main thread (ScriptExecution) and a Lua thread (lua-thread.ts).
// Per run there is one MessageChannel: the Lua thread posts ThreadMessages on its end and reads
// Replies synchronously with receiveMessageOnPort after Atomics.wait on the shared signal.
import type { MessagePort } from 'node:worker_threads';
import type { LoadedInstrument } from '../config/types.js';
import type { LogLine } from '../results/types.js';
import type { RejectedCall, ScriptCall, WaitValue } from './types.js';

/** Main → Lua thread (on the worker's parentPort): start one script. */
export interface RunRequest {
  type: 'run';
  source: string;
  chunkName: string;
  mode: 'staged' | 'interactive';
  /** Folders `require` searches, in order. */
  searchPaths: string[];
  instruments: Map<string, LoadedInstrument>;
  memoryLimitBytes: number;
  port: MessagePort;
  /** Int32Array(1) over a SharedArrayBuffer: bumped by the main thread after each reply. */
  signal: SharedArrayBuffer;
}

/** Lua thread → main (parentPort): the thread loaded Lua and can take a run. */
export interface ReadyMessage {
  type: 'ready';
}

/** Things the script did, delivered in program order. */
export type ScriptEvent =
  | { kind: 'calls'; calls: ScriptCall[] }
  | { kind: 'rejected'; call: RejectedCall }
  | { kind: 'parallelBegin' }
  | { kind: 'parallelEnd' }
  | { kind: 'log'; line: LogLine };

/** A blocking question; the Lua thread sleeps until the Reply with the same seq arrives. */
export type BlockingRequest =
  | { kind: 'wait'; seq: number; index: number }
  | { kind: 'barrier'; seq: number }
  | { kind: 'fetchBuffer'; seq: number; bufferId: string };

/** Lua thread → main (run port): events, optionally followed by a request or the end of the run. */
export interface ThreadMessage {
  events: ScriptEvent[];
  request?: BlockingRequest;
  /** `retire`: the Lua thread itself failed (not the script) and must not run another script. */
  end?: { ok: boolean; error?: string; traceback?: string; memoryExceeded?: boolean; retire?: boolean };
}

/** Main → Lua thread (run port). */
export type Reply =
  | { seq: number; kind: 'wait'; value: WaitValue }
  | { seq: number; kind: 'barrier' }
  | { seq: number; kind: 'fetchBuffer'; ok: true; values: number[] }
  | { seq: number; kind: 'fetchBuffer'; ok: false; error: string };
