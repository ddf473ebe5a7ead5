// A small pool of started Lua threads (worker_threads running lua-thread.js), so a script starts
// without waiting for the WebAssembly module to load. A thread runs one script at a time; after a
// clean end it goes back to the pool (warm threads are worth keeping: their JIT has compiled the
// hot path), after a cancel or a limit it is terminated and replaced. At least `size` threads
// exist at any time; more are started when more scripts run at once, and the extra ones are
// stopped when they come back.
import { Worker, type ResourceLimits } from 'node:worker_threads';

const THREAD_SCRIPT = new URL('./lua-thread.js', import.meta.url);

/** Threads are retired after this many scripts, so wasm heap growth from one script cannot accumulate. */
const MAX_RUNS_PER_THREAD = 200;

export class LuaThread {
  readonly worker: Worker;
  runs = 0;
  /** Set once the worker has exited or failed; it is never used again. */
  dead = false;
  private readyWaiters: Array<() => void> = [];
  private isReady = false;

  constructor(resourceLimits: ResourceLimits) {
    this.worker = new Worker(THREAD_SCRIPT, { resourceLimits });
    this.worker.on('message', (message: { type?: string }) => {
      if (message?.type !== 'ready') return;
      this.isReady = true;
      const waiters = this.readyWaiters;
      this.readyWaiters = [];
      for (const resolve of waiters) resolve();
    });
    const die = (): void => {
      this.dead = true;
    };
    this.worker.on('exit', die);
    this.worker.on('error', die);
  }

  /** Whether it has a fresh Lua state ready right now. */
  get available(): boolean {
    return this.isReady && !this.dead;
  }

  /** Resolves when the thread has a fresh Lua state ready (false when it died first). */
  ready(): Promise<boolean> {
    if (this.dead) return Promise.resolve(false);
    if (this.isReady) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onExit = (): void => resolve(false);
      this.worker.once('exit', onExit);
      this.readyWaiters.push(() => {
        this.worker.off('exit', onExit);
        resolve(true);
      });
    });
  }

  /** Marks the thread busy; the next `ready` message frees it again. */
  markBusy(): void {
    this.isReady = false;
    this.runs++;
  }

  /** Undoes markBusy for a thread that was handed out but never given a script. */
  markUnused(): void {
    this.isReady = true;
    this.runs--;
  }

  terminate(): Promise<number> {
    this.dead = true;
    return this.worker.terminate();
  }
}

export class LuaThreadPool {
  private readonly idle: LuaThread[] = [];
  private readonly all = new Set<LuaThread>();
  private closed = false;

  constructor(
    private readonly size: number,
    private readonly resourceLimits: ResourceLimits,
  ) {
    for (let i = 0; i < size; i++) this.idle.push(this.spawn());
  }

  /** A thread with a fresh Lua state, from the pool or newly started. */
  async acquire(): Promise<LuaThread> {
    for (;;) {
      if (this.closed) throw new Error('the script runner is closed');
      // Prefer a thread that is ready now over one still preparing its next Lua state.
      const readyAt = this.idle.findIndex((t) => t.available);
      const thread = (readyAt >= 0 ? this.idle.splice(readyAt, 1)[0] : this.idle.shift()) ?? this.spawn();
      thread.worker.ref(); // a script waiting for its thread keeps the process alive
      if (await thread.ready()) {
        if (this.closed) {
          void this.discard(thread);
          continue;
        }
        thread.markBusy();
        return thread;
      }
      this.all.delete(thread);
      this.refill();
    }
  }

  /** Resolves when the idle threads have loaded Lua and are ready. */
  async warmUp(): Promise<void> {
    await Promise.all(
      this.idle.map(async (thread) => {
        thread.worker.ref(); // idle threads do not keep the process alive, but this wait should
        await thread.ready();
        if (this.idle.includes(thread)) thread.worker.unref();
      }),
    );
  }

  /** Gives back a thread that was acquired but never given a script (its run was canceled first). */
  giveBack(thread: LuaThread): void {
    thread.markUnused();
    this.release(thread);
  }

  /** Gives a thread back after its script ended by itself. */
  release(thread: LuaThread): void {
    if (this.closed || thread.dead || thread.runs >= MAX_RUNS_PER_THREAD || this.idle.length >= this.size) {
      void this.discard(thread);
      return;
    }
    thread.worker.unref();
    this.idle.push(thread);
  }

  /** Terminates a thread (cancel, limits, crash) and starts a replacement. */
  async discard(thread: LuaThread): Promise<void> {
    this.all.delete(thread);
    const idleAt = this.idle.indexOf(thread);
    if (idleAt >= 0) this.idle.splice(idleAt, 1);
    this.refill();
    await thread.terminate();
  }

  async close(): Promise<void> {
    this.closed = true;
    const threads = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(threads.map((t) => t.terminate()));
  }

  private refill(): void {
    while (!this.closed && this.all.size < this.size) this.idle.push(this.spawn());
  }

  private spawn(): LuaThread {
    const thread = new LuaThread(this.resourceLimits);
    thread.worker.unref();
    this.all.add(thread);
    return thread;
  }
}
