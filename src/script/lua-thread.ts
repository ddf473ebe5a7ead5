// Entry of a Lua thread (a worker_threads Worker). It loads the Lua WebAssembly module once,
// keeps a fresh Lua state ready, and runs one script at a time when the pool hands it one.
import { MessageChannel, parentPort } from 'node:worker_threads';
import { LuaFactory } from 'wasmoon';
import type { LoadedInstrument } from '../config/types.js';
import { prepareEngine, LuaSession, type PreparedEngine } from './lua-session.js';
import type { RunRequest } from './protocol.js';

if (parentPort === null) throw new Error('lua-thread.js must run as a worker thread');
const port = parentPort;

const factory = new LuaFactory();

/**
 * Runs a small staged script against a made-up instrument before the thread reports ready, so
 * the JIT has compiled the call path and the first real script is as fast as the following ones.
 */
async function warmUp(): Promise<void> {
  const instrument: LoadedInstrument = {
    config: {
      name: 'WARMUP', apiPath: '', configPath: '',
      connection: { type: 'VISA', address: 'sim://warmup', options: {}, custom: {} },
      startup: { initCommands: [], delayMs: 0 }, ioConfig: {},
    },
    api: {
      apiVersion: '1', instrument: { vendor: '', model: '', identifier: '' }, protocol: { type: 'VISA' }, io: [], channelGroups: [], sourcePath: '',
      commands: { SET: { verb: 'SET', template: 'SET {value}', parameters: [{ name: 'value', type: 'float', required: true, min: 0, max: 1 }], outputs: [], returns: 'void', query: false } },
    },
  };
  const channel = new MessageChannel();
  const prepared = await prepareEngine(factory);
  try {
    new LuaSession(prepared, {
      type: 'run', source: 'for i = 1, 2000 do context:call("WARMUP.SET", (i % 10) / 10) end context:call("WARMUP.SET", {value = 2})',
      chunkName: 'warmup', mode: 'staged', searchPaths: [], instruments: new Map([['WARMUP', instrument]]),
      memoryLimitBytes: 16 * 1024 * 1024, port: channel.port2, signal: new SharedArrayBuffer(4),
    }).run();
  } finally {
    prepared.engine.global.close();
    channel.port1.close();
  }
}

// A failed warm-up only costs speed, never the thread.
let nextEngine: Promise<PreparedEngine> = warmUp().catch(() => undefined).then(() => prepareEngine(factory));

port.on('message', (request: RunRequest) => {
  if (request.type !== 'run') return;
  void (async () => {
    const prepared = await nextEngine;
    try {
      new LuaSession(prepared, request).run();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      request.port.postMessage({ events: [], end: { ok: false, error: `internal error in the Lua thread: ${message}`, retire: true } });
    } finally {
      prepared.engine.global.close();
      // A used Lua state is never reused: the next script starts from a clean one.
      nextEngine = prepareEngine(factory);
      await nextEngine;
      port.postMessage({ type: 'ready' });
    }
  })();
});

void nextEngine.then(() => port.postMessage({ type: 'ready' }));
