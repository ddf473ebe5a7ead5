import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkerProcess, type WorkerProcessEvents } from '../instruments/worker-process.js';
import { simInstrument } from '../test-support/sim-instrument.js';
import type { WireResult } from './protocol.js';

function spawnWorker() {
  const logs: string[] = [];
  const results: WireResult[] = [];
  let onResults: (() => void) | undefined;
  const events: WorkerProcessEvents = {
    results: (batch) => { results.push(...batch); onResults?.(); },
    log: (_level, message) => logs.push(message),
    exit: () => undefined,
    hung: () => undefined,
  };
  const worker = new WorkerProcess('DMM1', events, { heartbeatMs: 60_000 });
  const resultsFor = (count: number) => new Promise<void>((resolve) => {
    onResults = () => { if (results.length >= count) resolve(); };
    onResults();
  });
  return { worker, logs, results, resultsFor };
}

test('malformed messages on the worker channel are ignored with a log line, and the worker goes on', async () => {
  const { worker, logs, results, resultsFor } = spawnWorker();
  try {
    await worker.initialise(simInstrument(), { heartbeatMs: 60_000 }, 10_000);
    const garbage: unknown[] = [
      'hello', 42, null, [1, 2, 3], { no: 'type' }, { t: 'explode' }, { t: 'exec' }, { t: 'exec', commands: 'GET' },
      { t: 'exec', commands: [{ id: 'x', verb: 7 }] }, { t: 'ping' }, { t: 'init', instrument: { bogus: true } },
    ];
    for (const message of garbage) worker.child.send(message as object);
    worker.send({ t: 'exec', commands: [{ id: 1, verb: 'IDN', params: {} }] });
    await resultsFor(1);
    assert.deepEqual(results.map((r) => [r.id, r.ok, r.value]), [[1, true, { type: 'string', value: 'ACME,SIM1,SIM0001,1.0' }]]);
    assert.equal(worker.alive, true);
    const ignored = logs.filter((line) => /^ignored /.test(line));
    assert.ok(ignored.length >= garbage.length - 1, `one log line per malformed message, got: ${logs.join(' | ')}`);
    assert.ok(logs.some((line) => line.includes('"explode"')), 'the log line shows what was received');
  } finally {
    await worker.stop(1000);
  }
});

test('the worker answers pings and reports each command with its id, in order', async () => {
  const { worker, results, resultsFor } = spawnWorker();
  try {
    await worker.initialise(simInstrument(), { heartbeatMs: 60_000 }, 10_000);
    const pong = new Promise<unknown>((resolve) => worker.child.on('message', (m: { t?: string }) => { if (m.t === 'pong') resolve(m); }));
    worker.send({ t: 'ping', seq: 7 });
    assert.deepEqual(await pong, { t: 'pong', seq: 7 });
    worker.send({ t: 'exec', commands: [{ id: 10, verb: 'SET_RANGE', params: { range: 3 } }, { id: 11, verb: 'GET_RANGE', params: {} }, { id: 12, verb: 'BOGUS', params: {} }] });
    await resultsFor(3);
    assert.deepEqual(results.map((r) => r.id), [10, 11, 12]);
    assert.deepEqual(results[1]!.value, { type: 'double', value: 3 });
    assert.equal(results[2]!.error, 'Instrument DMM1: unknown command BOGUS');
  } finally {
    await worker.stop(1000);
  }
});
