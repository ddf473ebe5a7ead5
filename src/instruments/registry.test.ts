import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InstrumentRegistry } from './registry.js';
import { InstrumentExistsError, UnknownInstrumentError } from './errors.js';
import { simInstrument } from '../test-support/sim-instrument.js';
import { processExists } from '../test-support/processes.js';

test('the registry starts instruments by name, refuses duplicates and stops them all', async () => {
  const registry = new InstrumentRegistry();
  try {
    const [dmm, dac] = await Promise.all([
      registry.start(simInstrument({ name: 'DMM1' })),
      registry.start(simInstrument({ name: 'DAC1' })),
    ]);
    assert.deepEqual(registry.list().sort(), ['DAC1', 'DMM1']);
    assert.equal(registry.get('DMM1'), dmm);
    assert.equal(registry.has('DAC1'), true);
    assert.equal(registry.has('SCOPE1'), false);
    assert.equal(registry.status('DAC1').alive, true);
    await assert.rejects(registry.start(simInstrument({ name: 'DMM1' })), (error: unknown) => {
      assert.ok(error instanceof InstrumentExistsError);
      assert.equal(error.message, 'Instrument DMM1 is already started');
      return true;
    });
    assert.throws(() => registry.status('SCOPE1'), { message: 'Instrument SCOPE1 is not started' });
    await assert.rejects(registry.stop('SCOPE1'), (error: unknown) => error instanceof UnknownInstrumentError && error.message === 'Instrument SCOPE1 is not started');

    const dacPid = dac.status().pid!;
    await registry.stop('DAC1');
    assert.equal(processExists(dacPid), false);
    assert.deepEqual(registry.list(), ['DMM1']);

    const dmmPid = dmm.status().pid!;
    await registry.stopAll();
    assert.deepEqual(registry.list(), []);
    assert.equal(processExists(dmmPid), false);
  } finally {
    await registry.stopAll();
  }
});

test('two registries are independent (no process-wide state)', async () => {
  const a = new InstrumentRegistry();
  const b = new InstrumentRegistry();
  try {
    await a.start(simInstrument({ name: 'DMM1' }));
    await b.start(simInstrument({ name: 'DMM1' }));
    assert.notEqual(a.status('DMM1').pid, b.status('DMM1').pid);
  } finally {
    await Promise.all([a.stopAll(), b.stopAll()]);
  }
});

test('concurrent starts of one name: exactly one succeeds', async () => {
  const registry = new InstrumentRegistry();
  try {
    const results = await Promise.allSettled([registry.start(simInstrument()), registry.start(simInstrument())]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
  } finally {
    await registry.stopAll();
  }
});
