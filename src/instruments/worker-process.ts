// One forked worker process as the instrument side sees it: spawning with the IPC channel (JSON
// serialisation, stdout/stderr into the worker log file), the startup handshake, heartbeats, and
// the stop escalation shutdown → SIGTERM → SIGKILL. Instrument decides what a failure means.
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadedInstrument } from '../config/types.js';
import type { FromWorker, ToWorker, WireResult } from '../worker/protocol.js';

const WORKER_ENTRY = fileURLToPath(new URL('../worker/main.js', import.meta.url));
/** Heartbeats a worker may miss before it counts as hung. */
export const MISSED_HEARTBEATS_LIMIT = 3;
const STDERR_TAIL_BYTES = 4096;

export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface WorkerProcessEvents {
  results(results: WireResult[]): void;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
  /** The process ended (any reason, including our own kill). */
  exit(exit: WorkerExit): void;
  /** Missed heartbeats: the worker's event loop is stuck. */
  hung(reason: string): void;
}

export interface SpawnOptions {
  pluginPath?: string;
  logFile?: string;
  logLevel?: string;
  heartbeatMs: number;
}

export function describeExit(exit: WorkerExit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

export class WorkerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<WorkerExit>;
  exitInfo: WorkerExit | undefined;
  /** The last error the worker logged (helps explain an exit). */
  lastLoggedError: string | undefined;
  private stderrTail = '';
  private heartbeat: NodeJS.Timeout | undefined;
  private unanswered = 0;
  private pingSeq = 0;
  private readyWaiter: { resolve(identity: string | undefined): void; reject(error: Error): void } | undefined;

  constructor(readonly name: string, private readonly events: WorkerProcessEvents, options: SpawnOptions) {
    let logFd: number | undefined;
    if (options.logFile) {
      mkdirSync(dirname(options.logFile), { recursive: true });
      logFd = openSync(options.logFile, 'a');
    }
    try {
      // Only stdio and the IPC channel are passed; Node opens every other descriptor (listening
      // sockets included) close-on-exec, so the worker never holds the server's ports.
      this.child = fork(WORKER_ENTRY, [], {
        stdio: logFd !== undefined ? ['ignore', logFd, logFd, 'ipc'] : ['ignore', 'ignore', 'pipe', 'ipc'],
        serialization: 'json',
        execArgv: [],
      });
    } finally {
      if (logFd !== undefined) closeSync(logFd);
    }
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        this.stopHeartbeat();
        this.readyWaiter?.reject(new Error(`worker process exited (${describeExit(this.exitInfo)})${this.explanation()}`));
        this.readyWaiter = undefined;
        resolve(this.exitInfo);
        this.events.exit(this.exitInfo);
      });
    });
    this.child.on('error', (error) => this.events.log('warn', `worker process: ${error.message}`));
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL_BYTES);
    });
    this.child.on('message', (message: unknown) => this.receive(message));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  /** Sends init and resolves with the identity once the worker is ready. */
  initialise(instrument: LoadedInstrument, options: SpawnOptions, timeoutMs: number): Promise<string | undefined> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`worker not ready after ${timeoutMs} ms`)), timeoutMs);
      const fail = (error: Error) => {
        clearTimeout(timer);
        this.readyWaiter = undefined;
        reject(error);
      };
      this.readyWaiter = {
        resolve: (identity) => {
          clearTimeout(timer);
          this.readyWaiter = undefined;
          this.startHeartbeat(options.heartbeatMs);
          resolve(identity);
        },
        reject: fail,
      };
      if (!this.alive) return fail(new Error(`worker process exited (${describeExit(this.exitInfo!)})${this.explanation()}`));
      const init: ToWorker = { t: 'init', instrument, heartbeatMs: options.heartbeatMs };
      if (options.pluginPath !== undefined) init.pluginPath = options.pluginPath;
      if (options.logLevel !== undefined) init.logLevel = options.logLevel;
      this.send(init);
    });
  }

  send(message: ToWorker): boolean {
    if (!this.child.connected) return false;
    this.child.send(message);
    return true;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.alive) this.child.kill(signal);
  }

  /** shutdown message, then SIGTERM after graceMs, then SIGKILL after another graceMs. */
  async stop(graceMs: number): Promise<WorkerExit> {
    this.stopHeartbeat();
    if (!this.alive) return this.exitInfo!;
    this.send({ t: 'shutdown' });
    if (await this.exitsWithin(graceMs)) return this.exitInfo!;
    this.kill('SIGTERM');
    if (await this.exitsWithin(graceMs)) return this.exitInfo!;
    this.kill('SIGKILL');
    return this.exited;
  }

  private exitsWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), ms); }),
    ]).finally(() => clearTimeout(timer));
  }

  /** Last words of a dead worker: what it logged as an error or wrote on stderr. */
  explanation(): string {
    const text = this.lastLoggedError ?? this.stderrTail.trim().split('\n').filter((line) => line.trim() !== '').slice(-1)[0];
    return text ? `: ${text.split('\n')[0]!.slice(0, 300)}` : '';
  }

  private startHeartbeat(intervalMs: number): void {
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => {
      // Counted per tick, so a stalled instrument side (late timers) is not mistaken for a hung worker.
      if (this.unanswered >= MISSED_HEARTBEATS_LIMIT) {
        this.stopHeartbeat();
        this.events.hung(`missed ${this.unanswered} heartbeats (${intervalMs} ms apart)`);
        return;
      }
      this.unanswered++;
      this.send({ t: 'ping', seq: ++this.pingSeq });
    }, intervalMs);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private receive(message: unknown): void {
    this.unanswered = 0;
    if (message === null || typeof message !== 'object') return;
    const typed = message as FromWorker;
    switch (typed.t) {
      case 'results':
        if (Array.isArray(typed.results)) this.events.results(typed.results);
        return;
      case 'ready':
        this.readyWaiter?.resolve(typeof typed.identity === 'string' ? typed.identity : undefined);
        return;
      case 'init_failed':
        this.readyWaiter?.reject(new Error(String(typed.error)));
        return;
      case 'log':
        if (typed.level === 'error') this.lastLoggedError = String(typed.message);
        this.events.log(typed.level, String(typed.message));
        return;
      default:
        return; // pong, heartbeat: liveness already noted
    }
  }
}
