// One script's run inside a Lua thread: the Lua state, the host primitives runtime.lua calls,
// argument binding, and the batching of what the script does into few messages.
// The Lua code runs synchronously; when it must block (a wait, a barrier, a buffer fetch) this
// thread posts the question and sleeps on Atomics.wait until the main thread has replied.
import { readFileSync } from 'node:fs';
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { LuaEventMasks, LuaMultiReturn, LuaRawResult, decorateFunction, type LuaEngine, type LuaFactory, type LuaThread } from 'wasmoon';
import { bindCall, type CallArguments } from '../config/binding.js';
import type { LoadedInstrument, ParamValue } from '../config/types.js';
import type { LogLine } from '../results/types.js';
import { asChunk, ChunkNames } from './chunk-names.js';
import { OpaqueLuaValue, pushNumbers, readValue } from './lua-values.js';
import { ModuleResolver } from './module-resolver.js';
import type { BlockingRequest, Reply, RunRequest, ScriptEvent, ThreadMessage } from './protocol.js';
import { parseTarget, type CallTarget } from './target.js';

/** How long a blocked script spins for its answer before it sleeps (see block()). */
const SPIN_BEFORE_SLEEP_MS = 0.2;
import type { ScriptCall } from './types.js';

const RUNTIME_SOURCE = readFileSync(new URL('./runtime.lua', import.meta.url), 'utf8');

/** Staged calls are delivered in batches of at most this many (or earlier when the script blocks). */
export const MAX_BATCH = 256;

/**
 * The first batch is small so the instruments start working while the script goes on; each
 * following batch may be twice as large, up to MAX_BATCH.
 */
const FIRST_BATCH = 16;

/** Calls never wait longer than this in a batch while the script computes (checked by a Lua count hook). */
const MAX_BATCH_DELAY_MS = 2;

/** Lua instructions between two checks of the batch age (well under a millisecond of Lua). */
const HOOK_INSTRUCTIONS = 20_000;

type RunScript = (source: string, chunkName: string, mode: string) => { error: string; traceback: string } | null | undefined;

/**
 * A fresh Lua state with runtime.lua already loaded, made while the thread waits for work so a
 * script starts at once. Its primitives forward to the session it is handed to; a state runs
 * one script only.
 */
export interface PreparedEngine {
  engine: LuaEngine;
  runScript: RunScript;
  /** Whose primitives the runtime calls from now on. */
  bind(session: LuaSession): void;
}

export async function prepareEngine(factory: LuaFactory): Promise<PreparedEngine> {
  const engine = await factory.createEngine({ enableProxy: false, injectObjects: false, traceAllocations: true, openStandardLibs: true });
  let session: LuaSession | undefined;
  const current = (): LuaSession => {
    if (session === undefined) throw new Error('no script is running in this Lua state');
    return session;
  };
  engine.global.loadString(RUNTIME_SOURCE, '=(context)');
  engine.global.pushValue(LuaSession.primitives(current));
  const [runScript] = engine.global.runSync(1) as unknown as [RunScript];
  return { engine, runScript, bind: (s) => (session = s) };
}

/** The session whose script is running in this thread, for the count hook. */
let hookTarget: LuaSession | undefined;
let hookPointer: number | undefined;

interface PendingRejection {
  instrument: string;
  verb: string;
  params: Record<string, unknown>;
  message: string;
  line?: number;
}

export class LuaSession {
  private readonly port: MessagePort;
  private readonly signal: Int32Array;
  private readonly instruments: Map<string, LoadedInstrument>;
  private readonly modules: ModuleResolver;
  private readonly targets = new Map<string, CallTarget | string>();
  private readonly names = new ChunkNames();
  private outbox: ScriptEvent[] = [];
  private batch: ScriptCall[] | undefined;
  private batchLimit = FIRST_BATCH;
  private nextIndex = 0;
  private nextSeq = 0;
  private rejection: { index: number; pending: PendingRejection } | undefined;
  /** performance.now() when the oldest undelivered event was queued. */
  private pendingSince = 0;

  constructor(
    private readonly prepared: PreparedEngine,
    private readonly request: RunRequest,
  ) {
    this.port = request.port;
    this.signal = new Int32Array(request.signal);
    this.instruments = request.instruments;
    this.modules = new ModuleResolver(request.searchPaths);
  }

  /** Runs the script to its end and reports the end to the main thread. */
  run(): void {
    const end = this.execute();
    this.post({ events: this.takeOutbox(), end });
  }

  private execute(): NonNullable<ThreadMessage['end']> {
    const { prepared, request } = this;
    prepared.engine.global.setMemoryMax(request.memoryLimitBytes);
    let outcome: { error: string; traceback: string } | null | undefined;
    let retire = false;
    try {
      prepared.bind(this);
      outcome = prepared.runScript(asChunk(request.source), this.chunkAlias(request.chunkName), request.mode);
    } catch (err) {
      // Only a failure of the runtime itself (or memory exhausted while setting up) lands here;
      // the wasm module may be left in a bad state, so this thread is not used again.
      outcome = { error: err instanceof Error ? err.message.split('\n')[0]! : String(err), traceback: '' };
      retire = true;
    } finally {
      hookTarget = undefined;
    }
    if (outcome === null || outcome === undefined) return { ok: true };
    const memoryExceeded = /not enough memory/.test(outcome.error);
    return {
      ok: false,
      error: this.expandAliases(outcome.error),
      traceback: this.expandAliases(shortenTraceback(outcome.traceback)),
      memoryExceeded,
      retire: retire || memoryExceeded,
    };
  }

  /**
   * The JS functions runtime.lua calls, forwarding to the session running at the time; they
   * never throw into Lua, they return error values.
   */
  static primitives(current: () => LuaSession): Record<string, unknown> {
    // call, wait and fetch read and push the Lua stack themselves (see lua-values.ts).
    const raw = { receiveThread: true, receiveArgsQuantity: true };
    return {
      call: decorateFunction((thread: LuaThread, count: number) => {
        const args: unknown[] = [];
        for (let i = 3; i <= count; i++) args.push(readValue(thread, i));
        return current().call(readValue(thread, 1), readValue(thread, 2) as number | undefined, args);
      }, raw),
      rejected: (index: number, source: string | null) => current().rejected(index, source),
      armFlushHook: decorateFunction((thread: LuaThread) => current().armFlushHook(thread), { receiveThread: true }),
      wait: decorateFunction((thread: LuaThread, index: number) => current().wait(thread, index), { receiveThread: true }),
      fetch: decorateFunction((thread: LuaThread, bufferId: string, dataType: string) => current().fetchBuffer(thread, bufferId, dataType), { receiveThread: true }),
      parallelBegin: () => current().parallel('parallelBegin'),
      parallelEnd: () => current().parallel('parallelEnd'),
      barrier: () => current().barrier(),
      log: (level: LogLine['level'], message: string) => current().log(level, message),
      findModule: (name: unknown) => current().findModule(name),
    };
  }

  private barrier(): void {
    this.block({ kind: 'barrier', seq: ++this.nextSeq });
  }

  private log(level: LogLine['level'], message: string): void {
    this.queue({ kind: 'log', line: { at_ms: Date.now(), level, message } });
    this.flush();
  }

  // --- calls ---------------------------------------------------------------------------------

  /** Binds one call. Returns its index, or (index, message) when it was rejected. */
  private call(targetText: unknown, line: number | undefined, args: unknown[]): number | LuaMultiReturn {
    const index = this.nextIndex++;
    const lineNumber = typeof line === 'number' && line > 0 ? line : undefined;
    let target = typeof targetText === 'string' ? this.targets.get(targetText) : undefined;
    if (target === undefined) {
      target = parseTarget(targetText);
      if (typeof targetText === 'string') this.targets.set(targetText, target);
    }
    if (typeof target === 'string') {
      return this.reject(index, { instrument: String(targetText ?? ''), verb: '', params: positionalParams(args), message: target, line: lineNumber });
    }
    const instrument = this.instruments.get(target.instrument);
    const callArgs = toCallArguments(args);
    if (instrument === undefined) {
      const known = [...this.instruments.keys()];
      const message = `unknown instrument ${target.instrument} (${known.length > 0 ? `started: ${known.join(', ')}` : 'no instruments are started'})`;
      return this.reject(index, { instrument: target.label, verb: target.verb, params: describeArgs(callArgs), message, line: lineNumber });
    }
    let params;
    try {
      params = bindCall(instrument, target.verb, callArgs, target.channel).params;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return this.reject(index, { instrument: target.label, verb: target.verb, params: describeArgs(callArgs, instrument, target.verb), message, line: lineNumber });
    }
    const call: ScriptCall = { index, instrument: target.instrument, verb: target.verb, params };
    if (target.channel !== undefined) call.channel = target.channel;
    if (lineNumber !== undefined) call.line = lineNumber;
    if (this.batch === undefined) {
      this.batch = [];
      this.queue({ kind: 'calls', calls: this.batch });
    }
    this.batch.push(call);
    if (this.batch.length >= this.batchLimit) {
      this.batchLimit = Math.min(MAX_BATCH, this.batchLimit * 2);
      this.flush();
    } else if (performance.now() - this.pendingSince > MAX_BATCH_DELAY_MS) {
      this.flush();
    }
    return index;
  }

  private reject(index: number, pending: PendingRejection): LuaMultiReturn {
    // runtime.lua asks for the file name only now (rejected()), which keeps accepted calls cheap.
    this.rejection = { index, pending };
    return multi(index, pending.message);
  }

  private rejected(index: number, source: string | null): string {
    const rejection = this.rejection;
    this.rejection = undefined;
    if (rejection === undefined || rejection.index !== index) return 'rejected call lost its details (runtime bug)';
    const { pending } = rejection;
    const where = source !== null && pending.line !== undefined ? `${this.expandAliases(source)}:${pending.line}: ` : '';
    const error = `${where}${pending.message}`;
    this.batch = undefined;
    this.queue({
      kind: 'rejected',
      call: { index, instrument: pending.instrument, verb: pending.verb, params: pending.params, error, ...(pending.line !== undefined ? { line: pending.line } : {}) },
    });
    return error;
  }

  private parallel(kind: 'parallelBegin' | 'parallelEnd'): void {
    this.batch = undefined;
    this.queue({ kind });
    this.flush();
  }

  /**
   * A count hook on the script's Lua thread (coroutines inherit it) that delivers calls waiting
   * in a batch while the script computes, so instruments do not idle behind a long calculation.
   */
  private armFlushHook(thread: LuaThread): void {
    const { lua } = thread;
    // One hook function per wasm module, never removed: Lua code can still run after the script
    // (finalizers when the state closes), and a removed function would trap.
    hookPointer ??= lua.module.addFunction(() => hookTarget?.onHook(), 'vii');
    hookTarget = this;
    lua.lua_sethook(thread.address, hookPointer, LuaEventMasks.Count, HOOK_INSTRUCTIONS);
  }

  private onHook(): void {
    if (this.outbox.length > 0 && performance.now() - this.pendingSince > MAX_BATCH_DELAY_MS) this.flush();
  }

  // --- blocking ------------------------------------------------------------------------------

  /** Returns (true, type, value...) or (false, error) for runtime.lua's to_lua. */
  private wait(thread: LuaThread, index: number): LuaMultiReturn | LuaRawResult {
    const reply = this.block({ kind: 'wait', seq: ++this.nextSeq, index });
    if (reply.kind !== 'wait') return multi(false, 'protocol error: expected a wait reply');
    const { value } = reply;
    if (!value.ok) return multi(false, value.error);
    const r = value.value;
    switch (r.type) {
      case 'void': return multi(true, 'void');
      case 'buffer': return multi(true, 'buffer', r.buffer_id, r.element_count, r.data_type);
      case 'array':
        thread.pushValue(true);
        thread.pushValue('array');
        pushNumbers(thread, r.value);
        return new LuaRawResult(3);
      default: return multi(true, r.type, r.value);
    }
  }

  /** Returns (true, numbers) or (false, error) for buffer:values(). */
  private fetchBuffer(thread: LuaThread, bufferId: unknown, dataType: unknown): LuaMultiReturn | LuaRawResult {
    if (typeof bufferId !== 'string') return multi(false, 'buffer id must be a string');
    const reply = this.block({ kind: 'fetchBuffer', seq: ++this.nextSeq, bufferId });
    if (reply.kind !== 'fetchBuffer') return multi(false, 'protocol error: expected a buffer reply');
    if (!reply.ok) return multi(false, reply.error);
    thread.pushValue(true);
    pushNumbers(thread, reply.values, typeof dataType === 'string' && /int/.test(dataType));
    return new LuaRawResult(2);
  }

  /**
   * Sends everything pending with the question and waits until the answer is there. It spins
   * for a short while before sleeping: waking a thread asleep in Atomics.wait costs tens of
   * microseconds on virtual machines, more than a whole instrument round trip, while answers
   * to interactive calls usually come within that time. Long waits still sleep.
   */
  private block(request: BlockingRequest): Reply {
    let seen = Atomics.load(this.signal, 0);
    this.post({ events: this.takeOutbox(), request });
    const spinUntil = performance.now() + SPIN_BEFORE_SLEEP_MS;
    for (;;) {
      const received = receiveMessageOnPort(this.port);
      if (received !== undefined) {
        const reply = received.message as Reply;
        if (reply.seq === request.seq) return reply;
        continue; // a stale answer cannot happen with one question at a time, but never mix them up
      }
      while (Atomics.load(this.signal, 0) === seen && performance.now() < spinUntil);
      if (Atomics.load(this.signal, 0) === seen) Atomics.wait(this.signal, 0, seen);
      seen = Atomics.load(this.signal, 0);
    }
  }

  // --- outgoing ------------------------------------------------------------------------------

  private queue(event: ScriptEvent): void {
    if (this.outbox.length === 0) this.pendingSince = performance.now();
    this.outbox.push(event);
  }

  private flush(): void {
    if (this.outbox.length > 0) this.post({ events: this.takeOutbox() });
  }

  private takeOutbox(): ScriptEvent[] {
    const events = this.outbox;
    this.outbox = [];
    this.batch = undefined;
    return events;
  }

  private post(message: ThreadMessage): void {
    this.port.postMessage(message);
  }

  // --- modules and names ---------------------------------------------------------------------

  private findModule(name: unknown): LuaMultiReturn {
    const found = this.modules.find(name);
    if (found.found) return multi(asChunk(found.source), this.chunkAlias(this.modules.displayName(found.path)));
    if ('refused' in found) return multi(undefined, undefined, found.refused);
    return multi(undefined, found.tried.map((path) => `\n\tno file '${path}'`).join(''));
  }

  private chunkAlias(name: string): string {
    return this.names.alias(name);
  }

  private expandAliases(text: string): string {
    return this.names.expand(text);
  }
}

function multi(...values: unknown[]): LuaMultiReturn {
  const result = new LuaMultiReturn();
  result.push(...values);
  return result;
}

/** Lua arguments → bindCall's arguments: one non-sequence table binds by name, anything else by position. */
function toCallArguments(args: unknown[]): CallArguments {
  if (args.length === 1 && isPlainTable(args[0])) return { named: args[0] };
  return { positional: args.map(toParamValue) as ParamValue[] };
}

function isPlainTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof OpaqueLuaValue);
}

/** Lua nil arrives as undefined (an absent positional argument); an empty table as an empty array. */
function toParamValue(value: unknown): unknown {
  if (value === null) return undefined;
  if (isPlainTable(value) && Object.keys(value).length === 0) return [];
  return value;
}

/** The arguments of a rejected call as recorded: named as written, positional by declared name where known. */
function describeArgs(args: CallArguments, instrument?: LoadedInstrument, verb?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (args.named !== undefined) {
    for (const [key, value] of Object.entries(args.named)) out[key] = recordable(value);
    return out;
  }
  const declared = instrument && verb ? instrument.api.commands[verb]?.parameters : undefined;
  (args.positional ?? []).forEach((value, i) => {
    if (value !== undefined) out[declared?.[i]?.name ?? `#${i + 1}`] = recordable(value);
  });
  return out;
}

/** A value as it can be recorded and posted: functions and other Lua-only values become `<type>`. */
function recordable(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof OpaqueLuaValue) return `<${value.luaType}>`;
  if (depth > 8) return '<table>';
  if (Array.isArray(value)) return value.map((v) => recordable(v, depth + 1));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, recordable(v, depth + 1)]));
  }
  return `<${typeof value === 'function' ? 'function' : 'userdata'}>`;
}

function positionalParams(args: unknown[]): Record<string, unknown> {
  return describeArgs({ positional: args.map(toParamValue) as ParamValue[] });
}

/** Keeps the frames of the script and its modules; drops the runtime's own and C frames. */
function shortenTraceback(traceback: string): string {
  const lines = traceback
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== 'stack traceback:' && !l.startsWith('[C]') && !l.startsWith('(context)') && !l.startsWith('(...tail calls...)'));
  const kept = lines.slice(0, 8);
  if (lines.length > kept.length) kept.push(`... ${lines.length - kept.length} more`);
  return kept.join('\n');
}
