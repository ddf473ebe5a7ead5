import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadInstrument } from './loaded-instrument.js';
import { bindCall } from './binding.js';
import { renderTemplate } from './template.js';
import { labExamples } from './fixtures/files.js';

const configs = (name: string) => join(labExamples, 'configs', `${name}.yaml`);

test('DAC1 of the lab: four channels, SET_VOLTAGE limited to ±10 V, simulated', () => {
  const dac = loadInstrument(configs('dac1'));
  assert.equal(dac.config.name, 'DAC1');
  assert.match(dac.config.connection.address, /^sim:\/\//);
  assert.equal(dac.api.apiVersion, '1.0.0');
  assert.deepEqual(dac.api.io.map((port) => port.name), ['ch1_voltage', 'ch2_voltage', 'ch3_voltage', 'ch4_voltage']);
  const set = dac.api.commands.SET_VOLTAGE!;
  assert.deepEqual([set.channelGroup, set.parameters[0]!.min, set.parameters[0]!.max, set.parameters[0]!.unit], ['ch', -10, 10, 'V']);
  assert.equal(dac.api.commands.IDN!.template, '*IDN?');
  assert.equal(dac.api.commands.IDN!.returns, 'string');
  assert.equal(dac.api.commands.GET_VOLTAGE!.returns, 'double');
  assert.deepEqual(dac.config.startup.initCommands, ['*RST']);
  assert.equal(dac.config.sim?.identity, 'ACME,DAC4,0,1.0');
});

test('DMM1 of the lab: measurements return doubles, the range is limited, readings follow a sim model', () => {
  const dmm = loadInstrument(configs('dmm1'));
  assert.equal(dmm.config.name, 'DMM1');
  for (const verb of ['MEASURE_VOLTAGE', 'MEASURE_CURRENT']) {
    assert.equal(dmm.api.commands[verb]!.returns, 'double', verb);
    assert.equal(dmm.api.commands[verb]!.query, true, verb);
  }
  assert.deepEqual(Object.keys(dmm.api.commands), ['IDN', 'MEASURE_VOLTAGE', 'MEASURE_CURRENT', 'SET_RANGE', 'GET_RANGE']);
  const setRange = bindCall(dmm, 'SET_RANGE', { positional: [10] });
  assert.equal(renderTemplate(setRange.spec, setRange.params), 'VOLT:DC:RANG 10');
  assert.deepEqual((dmm.config.sim?.outputs as Record<string, unknown>).measured_voltage, { value: 0, from: 'range', gain: 0.5, offset: 0.001, noise: 0.0001 });
});

test('SCOPE1 of the lab: GET_WAVEFORM per channel returns an array of float64', () => {
  const scope = loadInstrument(configs('scope1'));
  assert.equal(scope.config.name, 'SCOPE1');
  const waveform = scope.api.commands.GET_WAVEFORM!;
  assert.deepEqual([waveform.returns, waveform.arrayDataType, waveform.channelGroup, waveform.timeoutMs], ['array', 'float64', 'analog', 10000]);
  const bound = bindCall(scope, 'GET_WAVEFORM', {}, 4);
  assert.equal(renderTemplate(bound.spec, bound.params, bound.channel), ':WAV:SOUR CHAN4;:WAV:DATA?');
  const timebase = bindCall(scope, 'SET_TIMEBASE', { positional: [1e-6] });
  assert.equal(renderTemplate(timebase.spec, timebase.params), ':TIM:SCAL 0.000001');
  assert.equal(scope.config.sim?.waveform_points, 1000);
});
