// The main-thread side of one running script: hands what the Lua thread does to the ScriptHost,
// answers the thread's blocking questions, enforces the time limit, and stops the thread on cancel.
import { EventEmitter } from 'node:events';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { LuaThread, LuaThreadPool } from './lua-thread-pool.js';
import type { BlockingRequest, Reply, RunRequest, ThreadMessage } from './protocol.js';
import type { ScriptEnd, ScriptExecution, ScriptHost, ScriptOptions } from './types.js';

export interface ExecutionLimits {
  timeLimitMs: number;
  memoryLimitBytes: number;
  searchPaths: string[];
}

export class LuaScriptExecution extends EventEmitter implements ScriptExecution {
  readonly staged: Promise<void>;
  readonly ended: Promise<ScriptEnd>;
  private resolveStaged!: () => void;
  private resolveEnded!: (end: ScriptEnd) => void;
  private isStaged = false;
  private finished = false;
  private thread: LuaThread | undefined;
  private port: MessagePort | undefined;
  private signal: Int32Array | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly onThreadError = (err: Error): void => {
    const code = (err as { code?: string }).code;
    this.stop(code === 'ERR_WORKER_OUT_OF_MEMORY' ? this.memoryMessage() : `the Lua thread failed: ${err.message}`);
  };
  private readonly onThreadExit = (code: number): void => {
    this.stop(`the Lua thread exited unexpectedly (exit code ${code})`);
  };

  constructor(
    private readonly pool: LuaThreadPool,
    private readonly options: ScriptOptions,
    private readonly host: ScriptHost,
    private readonly limits: ExecutionLimits,
  ) {
    super();
    this.staged = new Promise((resolve) => (this.resolveStaged = resolve));
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    if (limits.timeLimitMs > 0) {
      this.timer = setTimeout(() => this.stop(`script exceeded its time limit of ${limits.timeLimitMs} ms`), limits.timeLimitMs);
      this.timer.unref();
    }
    void this.start();
  }

  cancel(reason = 'canceled'): void {
    this.stop(reason);
  }

  private async start(): Promise<void> {
    let thread: LuaThread;
    try {
      thread = await this.pool.acquire();
    } catch (err) {
      this.finish({ ok: false, error: err instanceof Error ? err.message : String(err) });
      return;
    }
    if (this.finished) {
      this.pool.giveBack(thread);
      return;
    }
    this.thread = thread;
    thread.worker.on('error', this.onThreadError);
    thread.worker.on('exit', this.onThreadExit);
    const channel = new MessageChannel();
    const signal = new SharedArrayBuffer(4);
    this.port = channel.port1;
    this.signal = new Int32Array(signal);
    this.port.on('message', (message: ThreadMessage) => this.onMessage(message));
    const request: RunRequest = {
      type: 'run',
      source: this.options.source,
      chunkName: this.options.chunkName,
      mode: this.options.mode,
      searchPaths: this.limits.searchPaths,
      instruments: this.options.instruments,
      memoryLimitBytes: this.limits.memoryLimitBytes,
      port: channel.port2,
      signal,
    };
    thread.worker.postMessage(request, [channel.port2]);
  }

  private onMessage(message: ThreadMessage): void {
    if (this.finished) return;
    try {
      for (const event of message.events) {
        switch (event.kind) {
          case 'calls': this.host.call(event.calls); break;
          case 'rejected': this.host.rejected(event.call); break;
          case 'parallelBegin': this.host.parallelBegin(); break;
          case 'parallelEnd': this.host.parallelEnd(); break;
          case 'log': this.host.log(event.line); break;
        }
      }
    } catch (err) {
      this.stop(`the script host failed: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (message.request) {
      this.markStaged();
      this.answer(message.request);
    }
    if (message.end) {
      const { ok, error, traceback, memoryExceeded, retire } = message.end;
      const end: ScriptEnd = ok ? { ok: true } : { ok: false, error: memoryExceeded ? this.memoryMessage() : (error ?? 'script failed') };
      if (!ok && traceback) end.traceback = traceback;
      const thread = this.thread;
      this.finish(end);
      if (thread) (retire ? void this.pool.discard(thread) : this.pool.release(thread));
    }
  }

  private answer(request: BlockingRequest): void {
    const { seq } = request;
    const failed = (err: unknown): string => (err instanceof Error ? err.message : String(err));
    switch (request.kind) {
      case 'wait':
        this.host.wait(request.index).then(
          (value) => this.reply({ seq, kind: 'wait', value }),
          (err) => this.reply({ seq, kind: 'wait', value: { ok: false, error: failed(err) } }),
        );
        break;
      case 'barrier':
        this.host.barrier().then(
          () => this.reply({ seq, kind: 'barrier' }),
          () => this.reply({ seq, kind: 'barrier' }),
        );
        break;
      case 'fetchBuffer':
        this.host.fetchBuffer(request.bufferId).then(
          (values) => this.reply({ seq, kind: 'fetchBuffer', ok: true, values }),
          (err) => this.reply({ seq, kind: 'fetchBuffer', ok: false, error: failed(err) }),
        );
        break;
    }
  }

  private reply(reply: Reply): void {
    if (this.finished || !this.port || !this.signal) return;
    this.port.postMessage(reply);
    Atomics.add(this.signal, 0, 1);
    Atomics.notify(this.signal, 0);
  }

  /** Ends the run from outside (cancel, time limit, crash): the thread is terminated at once. */
  private stop(error: string): void {
    if (this.finished) return;
    const thread = this.thread;
    this.finish({ ok: false, error });
    if (thread) void this.pool.discard(thread);
  }

  private markStaged(): void {
    if (this.isStaged) return;
    this.isStaged = true;
    this.resolveStaged();
    this.emit('staged');
  }

  private finish(end: ScriptEnd): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.thread) {
      this.thread.worker.off('error', this.onThreadError);
      this.thread.worker.off('exit', this.onThreadExit);
    }
    this.port?.close();
    this.markStaged();
    this.resolveEnded(end);
    this.emit('ended', end);
  }

  private memoryMessage(): string {
    return `script exceeded its memory limit of ${formatBytes(this.limits.memoryLimitBytes)}`;
  }
}

function formatBytes(bytes: number): string {
  const MiB = 1024 * 1024;
  if (bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
