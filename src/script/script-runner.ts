// Runs Lua measurement scripts, each in its own Lua thread taken from a small pool.
// One ScriptRunner per server; it owns its threads and stops them on close().
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LuaFactory, type LuaEngine } from 'wasmoon';
import { asChunk, ChunkNames } from './chunk-names.js';
import { LuaThreadPool } from './lua-thread-pool.js';
import { LuaScriptExecution } from './script-execution.js';
import type { ScriptExecution, ScriptHost, ScriptOptions, ScriptRunnerOptions } from './types.js';

export const DEFAULT_TIME_LIMIT_MS = 60 * 60 * 1000;
export const DEFAULT_MEMORY_LIMIT_BYTES = 64 * 1024 * 1024;

const SYNTAX_CHECK_SOURCE = readFileSync(new URL('./syntax-check.lua', import.meta.url), 'utf8');

export class ScriptRunner {
  private readonly pool: LuaThreadPool;
  private readonly defaultTimeLimitMs: number;
  private readonly defaultMemoryLimitBytes: number;
  private readonly libraryPaths: string[];
  private checker: Promise<{ engine: LuaEngine; check: (source: string, chunk: string) => string | null }> | undefined;
  private readonly running = new Set<ScriptExecution>();

  constructor(options: ScriptRunnerOptions = {}) {
    this.defaultTimeLimitMs = options.defaultTimeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
    this.defaultMemoryLimitBytes = options.defaultMemoryLimitBytes ?? DEFAULT_MEMORY_LIMIT_BYTES;
    this.libraryPaths = (options.libraryPaths ?? []).map((p) => resolve(p));
    // The JS heap of a Lua thread stays small (Lua's own memory is the wasm heap, capped separately);
    // these limits are a backstop against a runaway conversion of huge tables.
    this.pool = new LuaThreadPool(options.poolSize ?? 2, { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 32 });
  }

  /** Starts a script; its commands go to `host`. */
  run(options: ScriptOptions, host: ScriptHost): ScriptExecution {
    const searchPaths = [
      ...(options.scriptDir !== undefined ? [resolve(options.scriptDir)] : []),
      ...(options.libraryPaths ?? []).map((p) => resolve(p)),
      ...this.libraryPaths,
    ];
    const execution = new LuaScriptExecution(this.pool, options, host, {
      timeLimitMs: options.timeLimitMs ?? this.defaultTimeLimitMs,
      memoryLimitBytes: options.memoryLimitBytes ?? this.defaultMemoryLimitBytes,
      searchPaths,
    });
    this.running.add(execution);
    void execution.ended.then(() => this.running.delete(execution));
    return execution;
  }

  /** Resolves when the pooled Lua threads are started and ready (optional: run() waits as needed). */
  warmUp(): Promise<void> {
    return this.pool.warmUp();
  }

  /** null when the script compiles, else "file:line: message". */
  async checkSyntax(source: string, chunkName: string): Promise<string | null> {
    this.checker ??= (async () => {
      const engine = await new LuaFactory().createEngine({ enableProxy: false, injectObjects: false, traceAllocations: true });
      engine.global.setMemoryMax(this.defaultMemoryLimitBytes);
      engine.global.loadString(SYNTAX_CHECK_SOURCE, '=(syntax check)');
      const [check] = engine.global.runSync() as unknown as [(source: string, chunk: string) => string | null];
      return { engine, check };
    })();
    const { check } = await this.checker;
    const names = new ChunkNames();
    let error: string | null;
    try {
      error = check(asChunk(source), names.alias(chunkName));
    } catch (err) {
      error = `${chunkName}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
    }
    return error === null || error === undefined ? null : names.expand(error);
  }

  /** Cancels running scripts and stops all Lua threads. */
  async close(): Promise<void> {
    for (const execution of this.running) execution.cancel('the script runner was closed');
    await this.pool.close();
    if (this.checker) (await this.checker).engine.global.close();
  }
}
