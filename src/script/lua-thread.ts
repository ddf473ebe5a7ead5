// Entry of a Lua thread (a worker_threads Worker). It loads the Lua WebAssembly module once,
// keeps a fresh Lua state ready, and runs one script at a time when the pool hands it one.
import { parentPort } from 'node:worker_threads';
import { LuaFactory, type LuaEngine } from 'wasmoon';
import { createEngine, LuaSession } from './lua-session.js';
import type { RunRequest } from './protocol.js';

if (parentPort === null) throw new Error('lua-thread.js must run as a worker thread');
const port = parentPort;

const factory = new LuaFactory();
let nextEngine: Promise<LuaEngine> = createEngine(factory);

port.on('message', (request: RunRequest) => {
  if (request.type !== 'run') return;
  void (async () => {
    const engine = await nextEngine;
    try {
      new LuaSession(engine, request).run();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      request.port.postMessage({ events: [], end: { ok: false, error: `internal error in the Lua thread: ${message}`, retire: true } });
    } finally {
      engine.global.close();
      // A used Lua state is never reused: the next script starts from a clean one.
      nextEngine = createEngine(factory);
      await nextEngine;
      port.postMessage({ type: 'ready' });
    }
  })();
});

void nextEngine.then(() => port.postMessage({ type: 'ready' }));
