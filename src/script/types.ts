// The contract between a running Lua script and whoever executes its commands (the scheduler).
// The script side lives in this folder; the host side is implemented by the scheduler.
import type { EventEmitter } from 'node:events';
import type { BoundParams, LoadedInstrument } from '../config/types.js';
import type { LogLine, ReturnValue } from '../results/types.js';

/** A command the script issued, bound against the instrument's API. */
export interface ScriptCall {
  /** Position in program order, counting accepted and rejected calls, from 0. */
  index: number;
  /** Instrument name without the channel. */
  instrument: string;
  /** The channel when the script addressed `INST:CH.VERB`. */
  channel?: number;
  verb: string;
  params: BoundParams;
  /** Line in the script (or module) where context:call was written. */
  line?: number;
}

/** A call that failed binding before anything was sent; Lua got nil. */
export interface RejectedCall {
  index: number;
  /** As addressed by the script: `DAC1`, or `DAC1:2` with a channel. */
  instrument: string;
  verb: string;
  /** Bound params when binding got that far, else the arguments as written (positional ones by declared name, or `#n`). */
  params: BoundParams | Record<string, unknown>;
  /** `file:line: message`. */
  error: string;
  line?: number;
}

/** What a waited-for call resolves to, as handed to Lua. */
export type WaitValue = { ok: true; value: ReturnValue } | { ok: false; error: string };

/** Implemented by the scheduler: receives a script's commands and answers its waits. */
export interface ScriptHost {
  /** A batch of calls, in program order. */
  call(calls: ScriptCall[]): void;
  /** Binding failed before anything was sent: recorded, Lua got nil. */
  rejected(call: RejectedCall): void;
  /** Strictly between batches: everything before it was already delivered with call(). */
  parallelBegin(): void;
  parallelEnd(): void;
  /** Resolves when that call has completed. */
  wait(index: number): Promise<WaitValue>;
  /** Resolves when every call issued so far has completed (end of a parallel block in interactive mode). */
  barrier(): Promise<void>;
  /** handle:values() on a buffer. */
  fetchBuffer(bufferId: string): Promise<number[]>;
  /** context:log and print, with timestamp. */
  log(line: LogLine): void;
}

export interface ScriptOptions {
  source: string;
  /** Shown in error messages: the script path, or `<inline>`. */
  chunkName: string;
  /** Folder searched first by `require` (the script's folder). */
  scriptDir?: string;
  /** Further folders searched by `require`, after scriptDir and before the runner's own. */
  libraryPaths?: string[];
  mode: 'staged' | 'interactive';
  instruments: Map<string, LoadedInstrument>;
  /** Wall-time limit in ms (0 = none); default from the runner. */
  timeLimitMs?: number;
  /** Lua memory cap in bytes; default from the runner. */
  memoryLimitBytes?: number;
}

export interface ScriptEnd {
  ok: boolean;
  /** `file:line: message`, `canceled`, or the limit that was exceeded. */
  error?: string;
  /** Lua stack traceback of the error, shortened to the script's own frames. */
  traceback?: string;
}

/** One running script. Emits `staged` and `ended` (with the ScriptEnd) besides the promises. */
export interface ScriptExecution extends EventEmitter {
  /** Resolves the first time the script blocks on a wait or finishes its run (the job queue moves on then). */
  readonly staged: Promise<void>;
  /** Resolves when the Lua code has returned (ok) or raised / was stopped (ok:false). Never rejects. */
  readonly ended: Promise<ScriptEnd>;
  /** Terminates the Lua thread at once, even inside `while true do end`. */
  cancel(reason?: string): void;
}

export interface ScriptRunnerOptions {
  /** Lua threads kept started and ready (default 2). */
  poolSize?: number;
  /** Wall-time limit of a script unless its options say otherwise (default 1 hour; 0 = none). */
  defaultTimeLimitMs?: number;
  /** Lua memory cap unless the script's options say otherwise (default 64 MiB). */
  defaultMemoryLimitBytes?: number;
  /** Folders searched by `require` after the script's own. */
  libraryPaths?: string[];
}
