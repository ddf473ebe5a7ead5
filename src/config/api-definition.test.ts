import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadApiDefinition } from './api-definition.js';
import { ConfigError } from './errors.js';
import { originalFixtures, scratchFolder, SMALL_API } from './fixtures/files.js';

test('an API file written for the C++ original loads unchanged, type spellings normalised', () => {
  const api = loadApiDefinition(join(originalFixtures, 'mock_api.yaml'));
  assert.equal(api.apiVersion, '1.0.0');
  assert.deepEqual(api.instrument, { vendor: 'Mock Vendor', model: 'Mock Model 1000', identifier: 'MockAPI', description: 'Mock instrument used by the tests' });
  assert.deepEqual(api.protocol, { type: 'Custom', name: 'Mock' });
  const types = Object.fromEntries(api.io.map((port) => [port.name, port.type]));
  assert.deepEqual(types, {
    message: 'string', voltage: 'float', measured_current: 'float', config_param1: 'int',
    config_param2: 'bool', config_param3: 'string', samples: 'array', trigger: 'bool',
  });
  assert.equal(api.sourcePath, join(originalFixtures, 'mock_api.yaml'));
});

test('io: parameters take name, type and unit from their port', () => {
  const api = loadApiDefinition(join(originalFixtures, 'mock_api.yaml'));
  assert.deepEqual(api.commands.SET!.parameters, [{ name: 'voltage', type: 'float', unit: 'V', required: true, io: 'voltage', description: 'Output voltage' }]);
  assert.deepEqual(api.commands.CONFIGURE!.parameters.map((p) => [p.name, p.type]), [['config_param1', 'int'], ['config_param2', 'bool'], ['config_param3', 'string']]);
});

test('return type and query flag follow returns, the first output port and the template', () => {
  const api = loadApiDefinition(join(originalFixtures, 'mock_api.yaml'));
  const summary = (verb: string) => [api.commands[verb]!.returns, api.commands[verb]!.query];
  assert.deepEqual(summary('IDN'), ['string', true]); // outputs: [message], a string port
  assert.deepEqual(summary('SET'), ['void', false]);
  assert.deepEqual(summary('MEASURE'), ['double', true]);
  assert.deepEqual(summary('CONFIGURE'), ['void', false]);
  assert.deepEqual(summary('READ_SAMPLES'), ['array', true]);
  assert.equal(api.commands.READ_SAMPLES!.arrayDataType, 'float64');
});

test('channel groups expand to one port per channel and kind, merged with ports written out', () => {
  const api = loadApiDefinition(join(originalFixtures, 'dso9254a_extended.yaml'));
  const names = api.io.map((port) => port.name);
  assert.deepEqual(names, [
    'timebase', 'analog1_waveform', 'analog1_voltage_range', 'analog2_waveform', 'analog2_voltage_range',
    'analog3_waveform', 'analog3_voltage_range', 'analog4_waveform', 'analog4_voltage_range',
  ]);
  const port = api.io.find((p) => p.name === 'analog3_waveform')!;
  assert.deepEqual(port, { name: 'analog3_waveform', type: 'float', role: 'output', unit: 'V', description: 'Waveform data', channelGroup: 'analog', channel: 3, suffix: 'waveform' });
  // The explicitly listed analog1_waveform keeps its own description but learns its channel.
  const explicit = api.io.find((p) => p.name === 'analog1_waveform')!;
  assert.equal(explicit.channel, 1);
  assert.match(explicit.description!, /Written out explicitly/);
  assert.equal(api.instrument.firmwareVersion, '05.50.0004');
  assert.deepEqual(api.channelGroups[0]!.parameter, { name: 'channel', type: 'int', min: 1, max: 4, description: 'Channel number (1-4)' });
});

test('channel commands know their group and channel parameter; array<float> returns an array', () => {
  const api = loadApiDefinition(join(originalFixtures, 'dso9254a_extended.yaml'));
  const waveform = api.commands.GET_WAVEFORM!;
  assert.equal(waveform.channelGroup, 'analog');
  assert.equal(waveform.channelParameter, 'channel');
  assert.equal(waveform.returns, 'array');
  assert.equal(waveform.arrayDataType, 'float64');
  assert.equal(waveform.query, true);
  assert.deepEqual(waveform.outputs, ['waveform']);
  // Outputs named by suffix derive the return type from the group's io type.
  assert.equal(api.commands.GET_VOLTAGE_RANGE!.returns, 'double');
  assert.equal(api.commands.GET_VOLTAGE_RANGE!.query, true);
});

test('a setter that lists the port it sets as output, with returns: void, is not a query', () => {
  const api = loadApiDefinition(join(originalFixtures, 'dso9254a_extended.yaml'));
  assert.equal(api.commands.SET_VOLTAGE_RANGE!.returns, 'void');
  assert.equal(api.commands.SET_VOLTAGE_RANGE!.query, false);
});

test('inline parameters: required unless required: false or a default; min/max kept; other spellings', () => {
  const scratch = scratchFolder();
  try {
    const path = scratch.write('api.yaml', `api_version: "1.0.0"
instrument: {vendor: A, model: B, identifier: C}
protocol: {type: VISA}
commands:
  CONF:
    template: "CONF {a},{c},{d}"
    parameters:
      - {name: a, type: integer, min: 0, max: 7}
      - {name: b, type: double, required: false}
      - {name: c, type: str, default: "x"}
      - {name: d, type: "array<int>"}
    returns: array<int>
    timeout_ms: 250
  PING:
    template: "PING?"
    returns: int64
`);
    const api = loadApiDefinition(path);
    const conf = api.commands.CONF!;
    assert.deepEqual(conf.parameters.map((p) => [p.name, p.type, p.required]), [['a', 'int', true], ['b', 'float', false], ['c', 'string', false], ['d', 'array', true]]);
    assert.equal(conf.parameters[0]!.min, 0);
    assert.equal(conf.parameters[0]!.max, 7);
    assert.equal(conf.parameters[2]!.default, 'x');
    assert.equal(conf.returns, 'array');
    assert.equal(conf.arrayDataType, 'int32');
    assert.equal(conf.timeoutMs, 250);
    assert.equal(conf.query, false);
    assert.equal(api.commands.PING!.returns, 'int64');
    assert.equal(api.commands.PING!.query, true);
    assert.deepEqual(api.io, []);
  } finally {
    scratch.remove();
  }
});

test('an invalid API definition throws ConfigError naming the file, with one problem per line', () => {
  const scratch = scratchFolder();
  try {
    const path = scratch.write('bad.yaml', SMALL_API.replace('{voltage}', '{volts}').replace('type: float\n    role: input', 'type: flaot\n    role: input'));
    assert.throws(() => loadApiDefinition(path), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.file, path);
      assert.match(error.message, new RegExp(`^Invalid API definition ${path}`));
      // Schema and cross-check problems come in one round.
      assert.deepEqual(error.problems, [
        'line 10: io[0].type: "flaot" is not allowed; must be one of int, integer, int32, int64, float, double, number, bool, boolean, string, str, array, array<float>, array<double>, array<int>, array<integer>',
        'line 19: commands.SET_VOLTAGE.template: placeholder {volts} has no parameter (parameters: voltage)',
      ]);
      return true;
    });
  } finally {
    scratch.remove();
  }
});

test('a missing API file is a ConfigError saying so', () => {
  assert.throws(() => loadApiDefinition('/nonexistent/api.yaml'), /Invalid API definition \/nonexistent\/api\.yaml: file not found/);
});

test("a command's data_type sets the element type of its binary blocks; an unknown one is refused", () => {
  const scratch = scratchFolder();
  try {
    const header = 'api_version: "1.0.0"\ninstrument: { vendor: ACME, model: SCOPE, identifier: SCOPE_API }\nprotocol: { type: VISA }\ncommands:\n';
    const api = loadApiDefinition(scratch.write('scope.yaml', `${header}  CURVE: { template: "CURV?", returns: "array<float>", data_type: int16 }\n`));
    assert.equal(api.commands.CURVE!.blockDataType, 'int16');
    assert.equal(api.commands.CURVE!.arrayDataType, 'int16');
    assert.throws(
      () => loadApiDefinition(scratch.write('bad.yaml', `${header}  CURVE: { template: "CURV?", returns: "array<float>", data_type: float128 }\n`)),
      (error: unknown) => error instanceof ConfigError && /commands\.CURVE\.data_type/.test(error.message),
    );
  } finally {
    scratch.remove();
  }
});
