import { test } from 'node:test';
import assert from 'node:assert/strict';
import { watch, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../test-support/temp-dir.js';
import { Instrument, type InstrumentOptions } from './instrument.js';
import { InstrumentStartError } from './errors.js';
import { simInstrument, type SimInstrumentOptions } from '../test-support/sim-instrument.js';
import { nextEvent } from '../test-support/events.js';
import { childPids, processExists } from '../test-support/processes.js';
import { arrayTransferDirectory } from '../worker/array-transfer.js';

async function withInstrument(sim: SimInstrumentOptions, options: InstrumentOptions, body: (instrument: Instrument) => Promise<void>): Promise<void> {
  const instrument = await Instrument.start(simInstrument(sim), options);
  try {
    await body(instrument);
  } finally {
    await instrument.stop();
  }
}

test('a worker answers 1,000 pipelined commands in order, each reply matched to its command', async () => {
  await withInstrument({}, {}, async (dmm) => {
    const outcomes = [];
    for (let i = 0; i < 500; i++) {
      outcomes.push(dmm.execute({ verb: 'SET_RANGE', params: { range: i } }));
      outcomes.push(dmm.execute({ verb: 'GET_RANGE', params: {} }));
    }
    const results = await Promise.all(outcomes);
    for (let i = 0; i < 500; i++) {
      assert.deepEqual(results[2 * i]!.value, { type: 'void' });
      assert.deepEqual(results[2 * i + 1]!.value, { type: 'double', value: i }, `GET_RANGE #${i} reads the range set just before it`);
    }
    for (let i = 1; i < results.length; i++) assert.ok(results[i]!.startedAt >= results[i - 1]!.finishedAt, 'executed one after the other, in issue order');
    assert.deepEqual(dmm.status().stats, { commands_sent: 1000, commands_completed: 1000, commands_failed: 0, commands_timeout: 0 });
  });
});

test('setters and getters remember values per channel', async () => {
  await withInstrument({}, {}, async (dac) => {
    await dac.execute({ verb: 'SET_VOLTAGE', params: { channel: 1, voltage: 0.25 }, channel: 1 });
    await dac.execute({ verb: 'SET_VOLTAGE', params: { channel: 3, voltage: -1.5 }, channel: 3 });
    assert.deepEqual((await dac.execute({ verb: 'GET_VOLTAGE', params: { channel: 1 }, channel: 1 })).value, { type: 'double', value: 0.25 });
    assert.deepEqual((await dac.execute({ verb: 'GET_VOLTAGE', params: { channel: 3 }, channel: 3 })).value, { type: 'double', value: -1.5 });
    assert.deepEqual((await dac.execute({ verb: 'GET_VOLTAGE', params: { channel: 2 }, channel: 2 })).value, { type: 'double', value: 0 }, 'a channel never set reads 0');
  });
});

test('io_config scale and offset: scripts see raw × scale + offset, the instrument gets raw', async () => {
  const sim = {
    ioConfig: { range: { scale: 2, offset: 1 }, voltage: { scale: 10, offset: 0.5 } },
    sim: { outputs: { voltage: { from: 'range', gain: 1 } } },
  };
  await withInstrument(sim, {}, async (dmm) => {
    await dmm.execute({ verb: 'SET_RANGE', params: { range: 5 } });
    // The instrument was sent (5 − 1) / 2 = 2; reading it back scales again.
    assert.deepEqual((await dmm.execute({ verb: 'GET_RANGE', params: {} })).value, { type: 'double', value: 5 });
    // The measured voltage follows the raw range (2), then its own scaling: 2 × 10 + 0.5.
    assert.deepEqual((await dmm.execute({ verb: 'MEASURE', params: {} })).value, { type: 'double', value: 20.5 });
  });
});

test('a command running past its timeout fails with the instrument, verb and limit, and is counted', async () => {
  await withInstrument({ sim: { commands: { MEASURE: { delay_ms: 400 } } } }, {}, async (dmm) => {
    const outcome = await dmm.execute({ verb: 'MEASURE', params: {}, timeoutMs: 50 });
    assert.equal(outcome.ok, false);
    assert.equal(outcome.error, 'Instrument DMM1: command MEASURE timed out after 50 ms');
    assert.equal(outcome.timedOut, true);
    const next = await dmm.execute({ verb: 'GET_RANGE', params: {} });
    assert.equal(next.ok, true, 'the instrument goes on with the next command');
    const status = dmm.status();
    assert.equal(status.stats.commands_timeout, 1);
    assert.equal(status.stats.commands_failed, 1);
    assert.equal(status.last_error, 'Instrument DMM1: command MEASURE timed out after 50 ms');
    assert.equal(status.restarts, 0);
  });
});

test('the connection timeout applies when the command gives none', async () => {
  await withInstrument({ timeoutMs: 30, sim: { commands: { MEASURE: { delay_ms: 300 } } } }, {}, async (dmm) => {
    const outcome = await dmm.execute({ verb: 'MEASURE', params: {} });
    assert.equal(outcome.error, 'Instrument DMM1: command MEASURE timed out after 30 ms');
  });
});

test('kill -9 of a worker mid-command: the command fails naming the instrument, the worker restarts, the next command succeeds', async () => {
  await withInstrument({ sim: { commands: { MEASURE: { delay_ms: 10_000 } } } }, { restart: { initialDelayMs: 10 } }, async (dmm) => {
    await dmm.execute({ verb: 'IDN', params: {} });
    const firstPid = dmm.status().pid!;
    const slow = dmm.execute({ verb: 'MEASURE', params: {} });
    const queued = dmm.execute({ verb: 'GET_RANGE', params: {} });
    await new Promise((resolve) => setImmediate(resolve)); // the batch has left for the worker
    const restarted = nextEvent(dmm, 'restarted');
    process.kill(firstPid, 'SIGKILL');
    const outcome = await slow;
    assert.equal(outcome.ok, false);
    assert.equal(outcome.error, 'Instrument DMM1: worker process exited (signal SIGKILL) while executing MEASURE');
    assert.match((await queued).error!, /^Instrument DMM1: worker process exited \(signal SIGKILL\).*GET_RANGE/);
    await restarted;
    const next = await dmm.execute({ verb: 'GET_RANGE', params: {} });
    assert.equal(next.ok, true);
    const status = dmm.status();
    assert.equal(status.restarts, 1);
    assert.equal(status.alive, true);
    assert.notEqual(status.pid, firstPid);
    assert.equal(processExists(firstPid), false);
    assert.equal(status.stats.commands_failed, 2);
    assert.match(status.last_error!, /SIGKILL/);
  });
});

test('commands issued while the worker restarts wait for the new worker', async () => {
  await withInstrument({}, { restart: { initialDelayMs: 50 } }, async (dmm) => {
    const crashed = nextEvent(dmm, 'crashed');
    process.kill(dmm.status().pid!, 'SIGKILL');
    await crashed;
    const outcome = await dmm.execute({ verb: 'IDN', params: {} });
    assert.deepEqual(outcome.value, { type: 'string', value: 'ACME,SIM1,SIM0001,1.0' });
    assert.equal(dmm.status().restarts, 1);
  });
});

test('with restarting disabled, a crashed instrument refuses commands with a clear reason', async () => {
  await withInstrument({}, { restart: { enabled: false } }, async (dmm) => {
    const crashed = nextEvent<{ error: string }>(dmm, 'crashed');
    process.kill(dmm.status().pid!, 'SIGKILL');
    assert.match((await crashed).error, /^Instrument DMM1: worker process exited \(signal SIGKILL\)/);
    const outcome = await dmm.execute({ verb: 'IDN', params: {} });
    assert.equal(outcome.ok, false);
    assert.match(outcome.error!, /^Instrument DMM1: worker is not running \(worker process exited \(signal SIGKILL\); restarting is disabled\); command IDN not executed$/);
    assert.equal(dmm.status().alive, false);
  });
});

test('a worker whose event loop is stuck misses heartbeats, is killed and restarted', async () => {
  await withInstrument({ sim: { commands: { RESET: { busy_ms: 3000 } } } }, { heartbeatMs: 50, restart: { initialDelayMs: 10 } }, async (dmm) => {
    const outcome = await dmm.execute({ verb: 'RESET', params: {} });
    assert.equal(outcome.ok, false);
    assert.match(outcome.error!, /^Instrument DMM1: worker hung \(missed 3 heartbeats \(50 ms apart\)\) while executing RESET$/);
    await nextEvent(dmm, 'ready');
    assert.equal((await dmm.execute({ verb: 'IDN', params: {} })).ok, true);
    assert.equal(dmm.status().restarts, 1);
  });
});

test('a driver that fails to connect: start rejects with the cause and leaves no process behind', async () => {
  const before = childPids();
  await assert.rejects(
    Instrument.start(simInstrument({ sim: { fail_connect: 'no route to host 10.0.0.9' } })),
    (error: unknown) => {
      assert.ok(error instanceof InstrumentStartError);
      assert.equal(error.message, 'Instrument DMM1: connect failed: no route to host 10.0.0.9');
      return true;
    },
  );
  assert.deepEqual(childPids().filter((pid) => !before.includes(pid)), []);
});

test('an unknown address scheme without a driver fails start with the driver reason', async () => {
  await assert.rejects(
    Instrument.start(simInstrument({ address: 'TCPIP::192.0.2.1::INSTR', timeoutMs: 200 })),
    /^InstrumentStartError: Instrument DMM1: (connect failed|driver selection failed): /,
  );
});

test('startup init commands: verbs of the API run as commands, other text is written raw', async () => {
  await withInstrument({ initCommands: ['RESET', '*CLS'], delayMs: 20 }, {}, async (dmm) => {
    assert.equal(dmm.status().alive, true);
  });
  await assert.rejects(
    Instrument.start(simInstrument({ initCommands: ['RESET'], sim: { commands: { RESET: { fail: 'overload' } } } })),
    { message: 'Instrument DMM1: init command "RESET" failed: command RESET failed: overload' },
  );
});

test('an array of 64 KiB or more crosses through a shared-memory file that is removed afterwards', async () => {
  const directory = arrayTransferDirectory();
  await withInstrument({ sim: { outputs: { waveform: { shape: 'ramp', points: 20_000, amplitude: 2 } } } }, {}, async (scope) => {
    const created: string[] = [];
    const watcher = watch(directory, (_event, file) => {
      if (file && file.startsWith(`instrument-server-array-${scope.status().pid}-`)) created.push(file);
    });
    try {
      const outcome = await scope.execute({ verb: 'GET_WAVEFORM', params: {} });
      assert.equal(outcome.ok, true);
      const value = outcome.value!;
      assert.equal(value.type, 'array');
      if (value.type !== 'array') return;
      assert.ok(value.data instanceof Float64Array);
      assert.equal(value.data.length, 20_000);
      assert.equal(value.dataType, 'float64');
      assert.equal(value.data[0], -2);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      watcher.close();
    }
    assert.ok(created.length > 0, `the waveform went through a file in ${directory}`);
    const left = readdirSync(directory).filter((file) => created.includes(file));
    assert.deepEqual(left, [], 'the transfer file was removed');
  });
});

test('small arrays travel inline as numbers', async () => {
  await withInstrument({ sim: { waveform_points: 16 } }, {}, async (scope) => {
    const outcome = await scope.execute({ verb: 'GET_WAVEFORM', params: {} });
    assert.ok(outcome.value?.type === 'array' && Array.isArray(outcome.value.data) && outcome.value.data.length === 16);
  });
});

test('stop: shutdown message first, pending commands fail with "instrument stopped"', async () => {
  const dmm = await Instrument.start(simInstrument({ sim: { commands: { MEASURE: { delay_ms: 5000 } } } }));
  const pid = dmm.status().pid!;
  const exit = nextEvent<{ code: number | null; signal: string | null }>(dmm, 'exit');
  const pending = dmm.execute({ verb: 'MEASURE', params: {} });
  await dmm.stop();
  assert.deepEqual(await exit, { pid, code: 0, signal: null });
  assert.equal((await pending).error, 'Instrument DMM1: instrument stopped');
  const after = await dmm.execute({ verb: 'IDN', params: {} });
  assert.equal(after.error, 'Instrument DMM1: instrument stopped; command IDN not executed');
  assert.equal(processExists(pid), false);
  assert.equal(dmm.status().alive, false);
});

test('stop escalates to SIGKILL when the worker ignores shutdown and SIGTERM', async () => {
  const dmm = await Instrument.start(simInstrument({ sim: { commands: { RESET: { busy_ms: 10_000 } } } }), { graceMs: 100, heartbeatMs: 60_000 });
  const exit = nextEvent<{ code: number | null; signal: string | null }>(dmm, 'exit');
  const busy = dmm.execute({ verb: 'RESET', params: {} });
  await new Promise((resolve) => setImmediate(resolve)); // the worker is now stuck in RESET
  const started = performance.now();
  await dmm.stop();
  assert.equal((await exit).signal, 'SIGKILL');
  assert.ok(performance.now() - started < 5000, 'stop did not wait for the stuck command');
  assert.equal((await busy).error, 'Instrument DMM1: instrument stopped');
});

test('the instrument-side backstop kills a worker that never answers a command past its timeout', async () => {
  const sim = { sim: { commands: { RESET: { busy_ms: 3000 } } } };
  await withInstrument(sim, { heartbeatMs: 60_000, backstopGraceMs: 100, restart: { initialDelayMs: 10 } }, async (dmm) => {
    const restarted = nextEvent(dmm, 'restarted');
    const outcome = await dmm.execute({ verb: 'RESET', params: {}, timeoutMs: 100 });
    assert.equal(outcome.error, 'Instrument DMM1: worker hung (no answer within 200 ms) while executing RESET');
    await restarted;
    assert.equal((await dmm.execute({ verb: 'IDN', params: {} })).ok, true);
  });
});

test('restarts are counted and the instrument gives up after maxRestarts', async () => {
  await withInstrument({}, { restart: { initialDelayMs: 5, maxRestarts: 1 } }, async (dmm) => {
    let restarted = nextEvent(dmm, 'restarted');
    process.kill(dmm.status().pid!, 'SIGKILL');
    await restarted;
    assert.equal(dmm.status().restarts, 1);
    const crashed = nextEvent(dmm, 'crashed');
    process.kill(dmm.status().pid!, 'SIGKILL');
    await crashed;
    const status = dmm.status();
    assert.equal(status.alive, false);
    assert.equal(status.last_error, 'Instrument DMM1: worker process exited (signal SIGKILL); gave up after 1 restarts');
    assert.match((await dmm.execute({ verb: 'IDN', params: {} })).error!, /gave up after 1 restarts\); command IDN not executed$/);
  });
});

test('the worker log file receives pino-compatible JSON lines', async () => {
  const dir = makeTempDir();
  try {
    const logFile = join(dir.path, 'logs', 'worker_DMM1.log');
    await withInstrument({}, { logFile }, async (dmm) => {
      await dmm.execute({ verb: 'IDN', params: {} });
    });
    const lines = readFileSync(logFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.ok(lines.length >= 2);
    for (const line of lines) {
      assert.equal(line.name, 'worker_DMM1');
      assert.equal(typeof line.level, 'number');
      assert.equal(typeof line.time, 'number');
      assert.equal(typeof line.msg, 'string');
    }
    assert.ok(lines.some((line) => line.msg === 'ready: ACME,SIM1,SIM0001,1.0'));
  } finally {
    dir.remove();
  }
});

test('NaN and infinite readings survive the trip (JSON alone would turn them into null)', async () => {
  await withInstrument({ sim: { outputs: { voltage: { value: 'NaN' }, range: { value: '-Infinity' } } } }, {}, async (dmm) => {
    assert.deepEqual((await dmm.execute({ verb: 'MEASURE', params: {} })).value, { type: 'double', value: NaN });
    assert.deepEqual((await dmm.execute({ verb: 'GET_RANGE', params: {} })).value, { type: 'double', value: -Infinity });
  });
});

test('a reply that cannot be read as the declared type fails naming the instrument and command', async () => {
  await withInstrument({ sim: { outputs: { voltage: { value: 'OVLD' } } } }, {}, async (dmm) => {
    const outcome = await dmm.execute({ verb: 'MEASURE', params: {} });
    assert.equal(outcome.ok, false);
    assert.equal(outcome.error, 'Instrument DMM1: command MEASURE: reply "OVLD" is not a number (command returns double)');
  });
});
