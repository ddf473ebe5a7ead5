// One started instrument on the server side. It owns a worker process (worker-process.ts) and
// hands it commands: sent at once and batched per tick, executed by the worker strictly in
// order, answered by id. A worker that exits, stops answering heartbeats or sits on a command
// far past its timeout is killed; its pending commands fail naming the instrument and the
// cause, and a new worker is started with exponential backoff. `execute` never rejects.
import { EventEmitter } from 'node:events';
import type { BoundParams, LoadedInstrument } from '../config/types.js';
import type { WireCommand, WireResult } from '../worker/protocol.js';
import { DEFAULT_TIMEOUT_MS } from '../worker/command-preparation.js';
import { decodeWireValue, discardWireValue, type CommandOutcome } from './command-value.js';
import { InstrumentStartError } from './errors.js';
import { describeExit, WorkerProcess, type WorkerExit } from './worker-process.js';

export type { CommandOutcome, CommandValue } from './command-value.js';

export interface InstrumentCommand {
  verb: string;
  params: BoundParams;
  channel?: number;
  /** Overrides the command's and the connection's timeout. */
  timeoutMs?: number;
}

export interface RestartPolicy {
  /** Restart a crashed or hung worker (default true). */
  enabled: boolean;
  /** Delay before the first restart; doubles per consecutive failure (default 100 ms). */
  initialDelayMs: number;
  /** Upper bound of the delay (default 10 000 ms). */
  maxDelayMs: number;
  /** Give up after this many restarts (default: never). */
  maxRestarts?: number;
}

export interface InstrumentOptions {
  pluginPath?: string;
  restart?: Partial<RestartPolicy>;
  /** Ping interval; a worker missing 3 in a row is hung (default 1000 ms). */
  heartbeatMs?: number;
  /** Wait between the stop steps shutdown → SIGTERM → SIGKILL (default 2000 ms). */
  graceMs?: number;
  /** worker_<NAME>.log: the worker's JSON log lines and its stdout/stderr go there. */
  logFile?: string;
  logLevel?: string;
  /** How long connect + startup may take (default 30 000 ms). */
  startTimeoutMs?: number;
  /** Extra time past a command's timeout before the worker counts as hung (default 2000 ms). */
  backstopGraceMs?: number;
}

export interface InstrumentStats {
  commands_sent: number;
  /** Commands that succeeded. */
  commands_completed: number;
  /** Commands that failed for any reason, timeouts included. */
  commands_failed: number;
  commands_timeout: number;
}

export interface InstrumentStatus {
  name: string;
  alive: boolean;
  pid?: number;
  restarts: number;
  identity?: string;
  stats: InstrumentStats;
  last_error?: string;
}

export interface InstrumentEvents {
  ready: [{ identity?: string; pid?: number }];
  crashed: [{ error: string; pid?: number }];
  restarted: [{ restarts: number; pid?: number }];
  stopped: [];
  log: [{ level: 'debug' | 'info' | 'warn' | 'error'; message: string }];
  exit: [{ pid?: number; code: number | null; signal: NodeJS.Signals | null }];
}

type State = 'starting' | 'ready' | 'restarting' | 'failed' | 'stopping' | 'stopped';

interface Pending {
  wire: WireCommand;
  timeoutMs: number;
  sent: boolean;
  /** When it was sent to the worker (performance.now()). */
  sentAt: number;
  resolve(outcome: CommandOutcome): void;
}

function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class Instrument extends EventEmitter<InstrumentEvents> {
  readonly name: string;
  private state: State = 'starting';
  private worker: WorkerProcess | undefined;
  private identity: string | undefined;
  private lastError: string | undefined;
  /** Why a failed instrument has no worker any more (cause; restart policy). */
  private givenUp: string | undefined;
  private lastCause = '';
  private restarts = 0;
  private consecutiveFailures = 0;
  private readyAt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private nextId = 0;
  /** Every accepted command not yet answered, in the order it was issued (= worker FIFO order). */
  private readonly pending = new Map<number, Pending>();
  /** Commands waiting to be sent (next tick, or when a restarted worker is ready). */
  private outbox: WireCommand[] = [];
  private flushScheduled = false;
  /** performance.now() of the last result: the head command has been running since then at most. */
  private lastProgressAt = 0;
  private backstop: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private readonly stats: InstrumentStats = { commands_sent: 0, commands_completed: 0, commands_failed: 0, commands_timeout: 0 };
  private readonly restartPolicy: RestartPolicy;
  private readonly heartbeatMs: number;
  private readonly graceMs: number;
  private readonly startTimeoutMs: number;
  private readonly backstopGraceMs: number;
  private readonly defaultTimeoutMs: number;

  private constructor(readonly loaded: LoadedInstrument, readonly options: InstrumentOptions) {
    super();
    this.name = loaded.config.name;
    this.restartPolicy = { enabled: true, initialDelayMs: 100, maxDelayMs: 10_000, ...options.restart };
    this.heartbeatMs = options.heartbeatMs ?? 1000;
    this.graceMs = options.graceMs ?? 2000;
    this.startTimeoutMs = options.startTimeoutMs ?? 30_000;
    this.backstopGraceMs = options.backstopGraceMs ?? 2000;
    this.defaultTimeoutMs = loaded.config.connection.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Starts the worker; resolves once it is connected and through its startup sequence. */
  static async start(loaded: LoadedInstrument, options: InstrumentOptions = {}): Promise<Instrument> {
    const instrument = new Instrument(loaded, options);
    try {
      await instrument.launch();
    } catch (error) {
      instrument.state = 'stopped';
      throw new InstrumentStartError(instrument.name, `Instrument ${instrument.name}: ${messageOf(error)}`);
    }
    return instrument;
  }

  get pid(): number | undefined {
    return this.worker?.alive ? this.worker.pid : undefined;
  }

  /** Queues a command for the worker. Never rejects: failures resolve as `{ ok: false, error }`. */
  execute(command: InstrumentCommand): Promise<CommandOutcome> {
    if (this.state === 'stopping' || this.state === 'stopped') return Promise.resolve(this.refuse(command, 'instrument stopped'));
    if (this.state === 'failed') return Promise.resolve(this.refuse(command, `worker is not running (${this.givenUp ?? 'restarting is disabled'})`));
    const wire: WireCommand = { id: ++this.nextId, verb: command.verb, params: command.params };
    if (command.channel !== undefined) wire.channel = command.channel;
    if (command.timeoutMs !== undefined) wire.timeoutMs = command.timeoutMs;
    const timeoutMs = command.timeoutMs ?? this.loaded.api.commands[command.verb]?.timeoutMs ?? this.defaultTimeoutMs;
    this.stats.commands_sent++;
    return new Promise<CommandOutcome>((resolve) => {
      this.pending.set(wire.id, { wire, timeoutMs, sent: false, sentAt: 0, resolve });
      this.outbox.push(wire);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        queueMicrotask(this.flush);
      }
    });
  }

  status(): InstrumentStatus {
    const status: InstrumentStatus = {
      name: this.name,
      alive: this.state === 'ready' && this.worker?.alive === true,
      restarts: this.restarts,
      stats: { ...this.stats },
    };
    const pid = this.pid;
    if (pid !== undefined) status.pid = pid;
    if (this.identity !== undefined) status.identity = this.identity;
    if (this.lastError !== undefined) status.last_error = this.lastError;
    return status;
  }

  /** Fails pending commands ("instrument stopped") and ends the worker: shutdown, SIGTERM, SIGKILL. */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      this.state = 'stopping';
      if (this.restartTimer) clearTimeout(this.restartTimer);
      this.clearBackstop();
      this.failPending(() => `Instrument ${this.name}: instrument stopped`, true);
      const worker = this.worker;
      if (worker) await worker.stop(this.graceMs);
      this.state = 'stopped';
      this.emit('stopped');
    })();
    return this.stopping;
  }

  private refuse(command: InstrumentCommand, reason: string): CommandOutcome {
    this.stats.commands_sent++;
    this.stats.commands_failed++;
    const at = epochNow();
    return { ok: false, error: `Instrument ${this.name}: ${reason}; command ${command.verb} not executed`, startedAt: at, finishedAt: at };
  }

  private async launch(): Promise<void> {
    const spawnOptions = { heartbeatMs: this.heartbeatMs, ...this.pick() };
    const worker = new WorkerProcess(this.name, {
      results: (results) => { if (this.worker === worker) this.receive(results); else results.forEach((r) => discardWireValue(r.value)); },
      log: (level, message) => this.emit('log', { level, message }),
      exit: (exit) => this.workerExited(worker, exit),
      hung: (reason) => this.workerLost(worker, `worker hung (${reason})`),
    }, spawnOptions);
    this.worker = worker;
    try {
      this.identity = await worker.initialise(this.loaded, spawnOptions, this.startTimeoutMs);
    } catch (error) {
      worker.kill('SIGKILL');
      await worker.exited;
      throw error;
    }
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'ready';
    this.readyAt = performance.now();
    const ready: { identity?: string; pid?: number } = {};
    if (this.identity !== undefined) ready.identity = this.identity;
    if (worker.pid !== undefined) ready.pid = worker.pid;
    this.emit('ready', ready);
    this.flush();
  }

  private pick(): { pluginPath?: string; logFile?: string; logLevel?: string } {
    const picked: { pluginPath?: string; logFile?: string; logLevel?: string } = {};
    if (this.options.pluginPath !== undefined) picked.pluginPath = this.options.pluginPath;
    if (this.options.logFile !== undefined) picked.logFile = this.options.logFile;
    if (this.options.logLevel !== undefined) picked.logLevel = this.options.logLevel;
    return picked;
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.state !== 'ready' || this.outbox.length === 0) return;
    const commands = this.outbox;
    this.outbox = [];
    const now = performance.now();
    if (!this.hasSentPending()) this.lastProgressAt = now;
    for (const command of commands) {
      const entry = this.pending.get(command.id);
      if (entry) {
        entry.sent = true;
        entry.sentAt = now;
      }
    }
    this.worker!.send({ t: 'exec', commands });
    this.armBackstop();
  };

  private hasSentPending(): boolean {
    for (const entry of this.pending.values()) return entry.sent;
    return false;
  }

  private receive(results: WireResult[]): void {
    this.lastProgressAt = performance.now();
    for (const result of results) {
      const entry = this.pending.get(result.id);
      if (!entry) {
        discardWireValue(result.value);
        continue;
      }
      this.pending.delete(result.id);
      const outcome: CommandOutcome = { ok: result.ok === true, startedAt: result.startedAt, finishedAt: result.finishedAt, reachedInstrument: true };
      if (outcome.ok && result.value) {
        try {
          outcome.value = decodeWireValue(result.value);
        } catch (error) {
          outcome.ok = false;
          outcome.error = `Instrument ${this.name}: command ${entry.wire.verb}: reply could not be read: ${messageOf(error)}`;
        }
      } else if (!outcome.ok) {
        outcome.error = result.error ?? `Instrument ${this.name}: command ${entry.wire.verb} failed`;
        if (result.timedOut === true) outcome.timedOut = true;
      }
      this.count(outcome);
      entry.resolve(outcome);
    }
  }

  private count(outcome: CommandOutcome): void {
    if (outcome.ok) {
      this.stats.commands_completed++;
      return;
    }
    this.stats.commands_failed++;
    if (outcome.timedOut) this.stats.commands_timeout++;
    if (outcome.error !== undefined) this.lastError = outcome.error;
  }

  /**
   * The backstop behind the worker's own timeout: the oldest sent command must be answered within
   * its timeout plus a grace period after the previous answer, or the worker is hung. One timer,
   * re-armed lazily, so the hot path only updates `lastProgressAt`.
   */
  private armBackstop(): void {
    if (this.backstop !== undefined) return;
    const deadline = this.headDeadline();
    if (deadline === undefined) return;
    this.backstop = setTimeout(() => {
      this.backstop = undefined;
      const current = this.headDeadline();
      if (current === undefined) return;
      if (performance.now() >= current) {
        const head = this.pending.values().next().value!;
        this.workerLost(this.worker!, `worker hung (no answer within ${head.timeoutMs + this.backstopGraceMs} ms)`);
      } else {
        this.armBackstop();
      }
    }, Math.max(1, deadline - performance.now()));
    this.backstop.unref();
  }

  private headDeadline(): number | undefined {
    const head = this.pending.values().next().value;
    if (!head || !head.sent || this.state !== 'ready') return undefined;
    return Math.max(head.sentAt, this.lastProgressAt) + head.timeoutMs + this.backstopGraceMs;
  }

  private clearBackstop(): void {
    if (this.backstop) clearTimeout(this.backstop);
    this.backstop = undefined;
  }

  private workerExited(worker: WorkerProcess, exit: WorkerExit): void {
    const info: { pid?: number; code: number | null; signal: NodeJS.Signals | null } = { code: exit.code, signal: exit.signal };
    if (worker.pid !== undefined) info.pid = worker.pid;
    this.emit('exit', info);
    this.workerLost(worker, `worker process exited (${describeExit(exit)})${exit.signal ? '' : worker.explanation()}`);
  }

  /** A worker died or hung: fail what it held, then restart (or give up). */
  private workerLost(worker: WorkerProcess, cause: string): void {
    if (worker !== this.worker || this.state !== 'ready') return;
    this.state = 'restarting';
    this.clearBackstop();
    worker.kill('SIGKILL');
    const head = this.pending.values().next().value;
    this.lastCause = cause;
    const error = `Instrument ${this.name}: ${cause}`;
    this.lastError = head?.sent ? `${error} while executing ${head.wire.verb}` : error;
    this.failPending((entry) => (entry === head ? this.lastError! : `${this.lastError}; ${entry.wire.verb} was queued behind it`), false);
    const crashed: { error: string; pid?: number } = { error: this.lastError };
    if (worker.pid !== undefined) crashed.pid = worker.pid;
    this.emit('crashed', crashed);
    if (performance.now() - this.readyAt > Math.max(5000, this.restartPolicy.maxDelayMs)) this.consecutiveFailures = 0;
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const policy = this.restartPolicy;
    if (!policy.enabled || (policy.maxRestarts !== undefined && this.restarts >= policy.maxRestarts)) {
      this.state = 'failed';
      const reason = policy.enabled ? `gave up after ${this.restarts} restarts` : 'restarting is disabled';
      this.givenUp = `${this.lastCause}; ${reason}`;
      this.lastError = `Instrument ${this.name}: ${this.givenUp}`;
      this.failPending(() => this.lastError!, true);
      return;
    }
    const delay = Math.min(policy.initialDelayMs * 2 ** this.consecutiveFailures, policy.maxDelayMs);
    this.consecutiveFailures++;
    this.restartTimer = setTimeout(() => void this.restart(), delay);
  }

  private async restart(): Promise<void> {
    this.restartTimer = undefined;
    if (this.state !== 'restarting') return;
    this.restarts++;
    try {
      await this.launch();
      const restarted: { restarts: number; pid?: number } = { restarts: this.restarts };
      if (this.worker?.pid !== undefined) restarted.pid = this.worker.pid;
      if ((this.state as State) === 'ready') this.emit('restarted', restarted);
    } catch (error) {
      if (this.state !== 'restarting') return;
      this.lastCause = `restart failed: ${messageOf(error)}`;
      this.lastError = `Instrument ${this.name}: ${this.lastCause}`;
      this.emit('crashed', { error: this.lastError });
      this.scheduleRestart();
    }
  }

  /** Fails pending commands: only those the worker held, or (all) the queued ones too. */
  private failPending(message: (entry: Pending) => string, all: boolean): void {
    const at = epochNow();
    for (const [id, entry] of this.pending) {
      if (!all && !entry.sent) continue;
      this.pending.delete(id);
      const outcome: CommandOutcome = { ok: false, error: message(entry), startedAt: at, finishedAt: at };
      this.count(outcome);
      entry.resolve(outcome);
    }
    if (all) this.outbox = [];
  }
}
