import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Instrument } from '../../instruments/instrument.js';
import { compilePlugin, gccMissing } from './fixtures/compile.js';
import { loadedCustomInstrument } from './fixtures/plugin-context.js';

test('a segfaulting C plugin kills only its worker: the command fails naming the instrument, the worker restarts, the next command works', async (t) => {
  const missing = gccMissing();
  if (missing) return t.skip(missing);
  const dir = mkdtempSync(join(tmpdir(), 'plugin-worker-'));
  let instrument: Instrument | undefined;
  try {
    const plugin = await compilePlugin('crashing_plugin', dir);
    instrument = await Instrument.start(loadedCustomInstrument('CRASHY'), { pluginPath: plugin, restart: { initialDelayMs: 10 } });
    const firstPid = instrument.pid;
    assert.deepEqual((await instrument.execute({ verb: 'PING', params: {} })).value, { type: 'int64', value: 1 });
    const restarted = once(instrument, 'restarted');
    const crash = await instrument.execute({ verb: 'CRASH', params: {} });
    assert.equal(crash.ok, false);
    assert.match(crash.error ?? '', /CRASHY/);
    assert.match(crash.error ?? '', /SIGSEGV|signal|exit/i);
    await restarted;
    assert.notEqual(instrument.pid, firstPid);
    assert.deepEqual((await instrument.execute({ verb: 'PING', params: {} })).value, { type: 'int64', value: 1 });
    assert.equal(instrument.status().restarts, 1);
  } finally {
    await instrument?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a JS plugin runs inside the instrument worker', async () => {
  const echo = fileURLToPath(new URL('./fixtures/echo-plugin.js', import.meta.url));
  const instrument = await Instrument.start(loadedCustomInstrument('ECHO1'), { pluginPath: echo });
  try {
    const outcome = await instrument.execute({ verb: 'GET', params: {} });
    assert.equal(outcome.ok, true, outcome.error);
    assert.deepEqual(outcome.value, { type: 'double', value: 0 });
  } finally {
    await instrument.stop();
  }
});
