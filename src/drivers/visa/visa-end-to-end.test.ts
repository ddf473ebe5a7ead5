import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadInstrument } from '../../config/index.js';
import { Instrument } from '../../instruments/instrument.js';
import { ScpiSocketSimulator } from './simulators/socket-simulator.js';
import { SIM_IDN, simulatedWaveform } from './simulators/scpi-instrument.js';

const API = `
api_version: "1.0.0"
instrument: { vendor: ACME, model: SIM-488, identifier: SIM_API }
protocol: { type: VISA }
io:
  - { name: voltage, type: float, role: input, unit: V }
  - { name: message, type: string, role: output }
  - { name: trace, type: array, role: output, unit: V }
commands:
  IDN: { template: "*IDN?", parameters: [], outputs: [message] }
  SET_VOLT: { template: "VOLT {voltage}", parameters: [{ io: voltage }], outputs: [] }
  GET_VOLT: { template: "VOLT?", parameters: [], outputs: [], returns: float }
  WAVEFORM: { template: "WAV:DATA?", parameters: [], outputs: [trace] }
  DROPPY: { template: "DROP?", parameters: [], outputs: [], returns: float }
`;

test('a YAML-configured instrument on a raw socket works end to end through its worker process', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'visa-e2e-'));
  const sim = await ScpiSocketSimulator.start();
  let instrument: Instrument | undefined;
  try {
    writeFileSync(join(dir, 'sim_api.yaml'), API);
    writeFileSync(join(dir, 'dmm.yaml'), `name: DMM1\napi_ref: sim_api.yaml\nconnection:\n  type: VISA\n  address: "${sim.address}"\n  timeout: 2000\n  data_type: float32\n  read_termination: "\\n"\n`);
    instrument = await Instrument.start(loadInstrument(join(dir, 'dmm.yaml')));
    assert.equal(instrument.status().identity, SIM_IDN);
    assert.deepEqual((await instrument.execute({ verb: 'IDN', params: {} })).value, { type: 'string', value: SIM_IDN });
    assert.equal((await instrument.execute({ verb: 'SET_VOLT', params: { voltage: 1.5 } })).ok, true);
    assert.deepEqual((await instrument.execute({ verb: 'GET_VOLT', params: {} })).value, { type: 'double', value: 1.5 });
    const wave = await instrument.execute({ verb: 'WAVEFORM', params: {} });
    assert.equal(wave.value?.type, 'array');
    assert.deepEqual(wave.value?.type === 'array' ? Float32Array.from(wave.value.data as ArrayLike<number>) : undefined, simulatedWaveform());
    const dropped = await instrument.execute({ verb: 'DROPPY', params: {} });
    assert.equal(dropped.ok, false);
    assert.match(dropped.error ?? '', /Instrument DMM1: command DROPPY failed: connection to raw socket .* was closed by the instrument/);
    assert.deepEqual((await instrument.execute({ verb: 'GET_VOLT', params: {} })).value, { type: 'double', value: 1.5 });
  } finally {
    await instrument?.stop();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
