import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSimDriver } from './index.js';
import type { Driver, DriverCommand, DriverContext } from '../driver.js';
import type { BoundParams } from '../../config/types.js';
import { simInstrument, type SimInstrumentOptions } from '../../test-support/sim-instrument.js';

function simulator(options: SimInstrumentOptions = {}): { driver: Driver; call(verb: string, params?: BoundParams, channel?: number): Promise<unknown> } {
  const loaded = simInstrument(options);
  const context: DriverContext = { instrument: loaded.config.name, config: loaded.config, api: loaded.api, log: () => undefined };
  const driver = createSimDriver(context);
  let id = 0;
  return {
    driver,
    async call(verb, params = {}, channel) {
      const spec = loaded.api.commands[verb]!;
      const command: DriverCommand = { id: ++id, verb, spec, params, text: spec.template, expectsResponse: spec.query, timeoutMs: 1000 };
      if (channel !== undefined) command.channel = channel;
      return (await driver.execute(command)).value;
    },
  };
}

test('the simulator answers *IDN? with vendor, model and API version, or the configured identity', async () => {
  const plain = simulator();
  await plain.driver.connect();
  assert.equal(await plain.call('IDN'), 'ACME,SIM1,SIM0001,1.0');
  assert.equal(await plain.driver.identify!(), 'ACME,SIM1,SIM0001,1.0');
  const named = simulator({ sim: { identity: 'ACME,DAC4,0,1.0' } });
  await named.driver.connect();
  assert.equal(await named.call('IDN'), 'ACME,DAC4,0,1.0');
});

test('setters remember values per channel and getters return them (default 0)', async () => {
  const sim = simulator();
  await sim.driver.connect();
  await sim.call('SET_VOLTAGE', { channel: 2, voltage: 1.25 }, 2);
  await sim.call('SET_VOLTAGE', { channel: 4, voltage: -3 }, 4);
  assert.equal(await sim.call('GET_VOLTAGE', { channel: 2 }, 2), 1.25);
  assert.equal(await sim.call('GET_VOLTAGE', { channel: 4 }, 4), -3);
  assert.equal(await sim.call('GET_VOLTAGE', { channel: 1 }, 1), 0);
  // The channel can also come from the channel parameter alone.
  assert.equal(await sim.call('GET_VOLTAGE', { channel: 2 }), 1.25);
  await sim.call('SET_RANGE', { range: 10 });
  assert.equal(await sim.call('GET_RANGE'), 10);
});

test('measured outputs follow the model: constant, linear in a setting, seeded noise', async () => {
  const constant = simulator({ sim: { outputs: { voltage: { value: 1.5, offset: 0.25 }, counter: { value: 41.6 } } } });
  await constant.driver.connect();
  assert.equal(await constant.call('MEASURE'), 1.75);
  assert.equal(await constant.call('COUNT'), 42, 'integer outputs are rounded');

  const linear = simulator({ sim: { outputs: { voltage: { from: 'range', gain: 0.5, offset: 1 } } } });
  await linear.driver.connect();
  await linear.call('SET_RANGE', { range: 10 });
  assert.equal(await linear.call('MEASURE'), 6);

  const readings = async (seed: number) => {
    const noisy = simulator({ sim: { seed, outputs: { voltage: { value: 1, noise: 0.01 } } } });
    await noisy.driver.connect();
    const values: number[] = [];
    for (let i = 0; i < 200; i++) values.push((await noisy.call('MEASURE')) as number);
    return values;
  };
  const first = await readings(7);
  assert.deepEqual(await readings(7), first, 'the same seed gives the same noise');
  assert.notDeepEqual(await readings(8), first);
  const mean = first.reduce((a, b) => a + b, 0) / first.length;
  const sd = Math.sqrt(first.reduce((a, b) => a + (b - mean) ** 2, 0) / first.length);
  assert.ok(Math.abs(mean - 1) < 0.005 && sd > 0.005 && sd < 0.02, `mean ${mean}, sd ${sd}`);
});

test('array outputs are waveforms of the configured length and shape', async () => {
  const sim = simulator({ sim: { waveform_points: 500, outputs: { waveform: { shape: 'sine', amplitude: 2, frequency: 2000 } } } });
  await sim.driver.connect();
  const wave = (await sim.call('GET_WAVEFORM')) as Float64Array;
  assert.ok(wave instanceof Float64Array);
  assert.equal(wave.length, 500);
  assert.equal(wave[0], 0);
  assert.ok(Math.abs(wave[125]! - 2) < 1e-9, 'a quarter period of 2 kHz at 1 MS/s is sample 125');
  const ramp = simulator({ sim: { outputs: { waveform: { shape: 'ramp', points: 4, frequency: 250000 } } } });
  await ramp.driver.connect();
  assert.deepEqual(Array.from((await ramp.call('GET_WAVEFORM')) as Float64Array), [-1, -0.5, 0, 0.5]);
});

test('delays apply globally and per verb; a configured failure fails connect', async () => {
  const sim = simulator({ sim: { delay_ms: 0, commands: { MEASURE: { delay_ms: 60 } } } });
  await sim.driver.connect();
  let started = performance.now();
  await sim.call('GET_RANGE');
  assert.ok(performance.now() - started < 50);
  started = performance.now();
  await sim.call('MEASURE');
  assert.ok(performance.now() - started >= 55);

  const broken = simulator({ sim: { fail_connect: 'instrument unplugged' } });
  await assert.rejects(broken.driver.connect(), { message: 'instrument unplugged' });
});

test('a setting with a model value starts there and reads back what was set afterwards', async () => {
  const sim = simulator({ sim: { outputs: { range: { value: 10 }, voltage: { from: 'range', gain: 0.5 } } } });
  await sim.driver.connect();
  assert.equal(await sim.call('GET_RANGE'), 10);
  assert.equal(await sim.call('MEASURE'), 5, 'outputs follow the setting\'s initial value');
  await sim.call('SET_RANGE', { range: 2 });
  assert.equal(await sim.call('GET_RANGE'), 2);
  assert.equal(await sim.call('MEASURE'), 1);
});
