import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { validateApiFile, validateConfigFile } from './validation.js';
import { labExamples, originalFixtures, scratchFolder, SMALL_API } from './fixtures/files.js';

/** Problems of an API definition given as text. */
function apiProblems(text: string): string[] {
  const scratch = scratchFolder();
  try {
    return validateApiFile(scratch.write('api.yaml', text));
  } finally {
    scratch.remove();
  }
}

const SCOPE_API = `api_version: "1.0.0"
instrument: {vendor: A, model: S4, identifier: S4}
protocol: {type: VISA}
channel_groups:
  - name: analog
    channel_parameter: {name: channel, type: int, min: 1, max: 4}
    io_types:
      - {suffix: waveform, type: float, role: output, unit: V}
io:
  - {name: timebase, type: float, role: setting, unit: s}
commands:
  GET_WAVEFORM:
    template: ":WAV:SOUR CHAN{analog};:WAV:DATA?"
    channel_group: analog
    outputs: [waveform]
    returns: array<float>
  SET_RANGE:
    template: "CHAN{channel}:RANG {value}"
    channel_group: analog
    parameters: [{name: value, type: float, unit: V}]
`;

test('files written for the C++ original and the lab examples are valid', () => {
  for (const name of ['mock_api.yaml', 'dso9254a_extended.yaml']) assert.deepEqual(validateApiFile(join(originalFixtures, name)), [], name);
  assert.deepEqual(validateConfigFile(join(originalFixtures, 'mock_instrument1.yaml')), []);
  assert.deepEqual(validateConfigFile(join(originalFixtures, 'configs/scope_instrument.yaml'), { cwd: join(originalFixtures, 'cwd') }), []);
  for (const name of ['dac', 'dmm', 'scope']) assert.deepEqual(validateApiFile(join(labExamples, `apis/${name}.yaml`)), [], name);
  for (const name of ['dac1', 'dmm1', 'scope1']) assert.deepEqual(validateConfigFile(join(labExamples, `configs/${name}.yaml`)), [], name);
  assert.deepEqual(apiProblems(SMALL_API), []);
  assert.deepEqual(apiProblems(SCOPE_API), []);
});

test('a schema error names the YAML path, the line and the allowed values', () => {
  const text = SMALL_API.replace('      - io: voltage\n        min: -10\n        max: 10', '      - {name: voltage, type: volts}');
  assert.deepEqual(apiProblems(text), [
    'line 21: commands.SET_VOLTAGE.parameters[0].type: "volts" is not allowed; must be one of int, integer, int32, int64, float, double, number, bool, boolean, string, str, array, array<float>, array<double>, array<int>, array<integer>',
  ]);
});

test('missing required fields and wrong kinds of values are reported one per line', () => {
  const text = SMALL_API.replace('protocol:\n  type: VISA\n', '').replace('template: "MEAS:CURR?"', 'template: [MEAS]').replace('  - name: voltage\n    type: float\n', '  - name: voltage\n');
  assert.deepEqual(apiProblems(text), [
    'line 1: missing required field protocol',
    'line 7: io[0]: missing required field type',
    'line 23: commands.MEASURE_CURRENT.template: must be string, got a list',
  ]);
});

test('command names must be UPPER_CASE', () => {
  assert.deepEqual(apiProblems(SMALL_API.replace('  MEASURE_CURRENT:', '  measure:')), ['line 25: commands.measure: name "measure" must match ^[A-Z][A-Z0-9_]*$']);
});

test('a template placeholder without a parameter is reported with the parameters there are', () => {
  assert.deepEqual(apiProblems(SMALL_API.replace('SOUR:VOLT {voltage}', 'SOUR{ch}:VOLT {volts}')), [
    'line 19: commands.SET_VOLTAGE.template: placeholder {ch} has no parameter (parameters: voltage)',
    'line 19: commands.SET_VOLTAGE.template: placeholder {volts} has no parameter (parameters: voltage)',
  ]);
  assert.deepEqual(apiProblems(SMALL_API.replace('MEAS:CURR?', 'MEAS:CURR? {channel}')), [
    'line 26: commands.MEASURE_CURRENT.template: placeholder {channel} has no parameter (the command has no parameters)',
  ]);
});

test('channel commands may use the group name and the channel parameter as placeholders', () => {
  assert.deepEqual(apiProblems(SCOPE_API.replace('CHAN{channel}', 'CHAN{analog}{channel}{chan}')), [
    'line 18: commands.SET_RANGE.template: placeholder {chan} has no parameter (parameters: value)',
  ]);
});

test('an io: reference to a port that does not exist is reported with the ports there are', () => {
  assert.deepEqual(apiProblems(SMALL_API.replace('- io: voltage', '- io: voltag')), [
    'line 21: commands.SET_VOLTAGE.parameters[0].io: io port voltag does not exist (ports: voltage, measured_current)',
    'line 19: commands.SET_VOLTAGE.template: placeholder {voltage} has no parameter (parameters: voltag)',
  ]);
});

test('an output naming a port that does not exist is reported; suffixes count for channel commands', () => {
  assert.deepEqual(apiProblems(SMALL_API.replace('outputs: [measured_current]', 'outputs: [current]')), [
    'line 28: commands.MEASURE_CURRENT.outputs[0]: output current is not an io port (ports: voltage, measured_current)',
  ]);
  assert.deepEqual(apiProblems(SCOPE_API.replace('outputs: [waveform]', 'outputs: [trace]')), [
    'line 15: commands.GET_WAVEFORM.outputs[0]: output trace is not an io port (ports: timebase, analog1_waveform, analog2_waveform, analog3_waveform, analog4_waveform)',
  ]);
});

test('a channel group used by a command but not defined is reported', () => {
  assert.deepEqual(apiProblems(SCOPE_API.replace('    channel_group: analog\n    outputs', '    channel_group: digital\n    outputs')), [
    'line 14: commands.GET_WAVEFORM.channel_group: channel group digital is not defined in channel_groups (defined: analog)',
    'line 15: commands.GET_WAVEFORM.outputs[0]: output waveform is not an io port (ports: timebase, analog1_waveform, analog2_waveform, analog3_waveform, analog4_waveform)',
    'line 13: commands.GET_WAVEFORM.template: placeholder {analog} has no parameter (the command has no parameters)',
  ]);
});

test('duplicate port, parameter, channel group and io type names are reported', () => {
  const ports = SMALL_API.replace('  - name: measured_current', '  - name: voltage');
  assert.deepEqual(apiProblems(ports).filter((p) => p.includes('duplicate')), ['line 13: io[1].name: duplicate io port name voltage']);
  const parameters = SMALL_API.replace('        max: 10\n', '        max: 10\n      - {name: voltage, type: float}\n');
  assert.deepEqual(apiProblems(parameters), ['line 24: commands.SET_VOLTAGE.parameters[1]: duplicate parameter name voltage']);
  const groups = SCOPE_API.replace('io:\n', `  - name: analog
    channel_parameter: {name: channel, min: 1, max: 2}
    io_types:
      - {suffix: waveform, type: float, role: output}
      - {suffix: waveform, type: float, role: output}
io:
`);
  assert.deepEqual(apiProblems(groups), [
    'line 9: channel_groups[1].name: duplicate channel group name analog',
    'line 13: channel_groups[1].io_types[1].suffix: duplicate io type suffix name waveform',
  ]);
  // Duplicate command names are a YAML error: a mapping cannot have the same key twice.
  assert.match(apiProblems(SMALL_API + '  SET_VOLTAGE:\n    template: "X"\n')[0]!, /^line 29, column 3: YAML syntax error: Map keys must be unique/);
});

test('min above max is reported for parameters and channel ranges', () => {
  assert.deepEqual(apiProblems(SMALL_API.replace('min: -10', 'min: 20')), ['line 21: commands.SET_VOLTAGE.parameters[0]: min 20 is above max 10']);
  assert.deepEqual(apiProblems(SCOPE_API.replace('min: 1, max: 4', 'min: 4, max: 1')), ['line 6: channel_groups[0].channel_parameter: min 4 is above max 1']);
});

test('a YAML syntax error is one problem with line and column', () => {
  assert.deepEqual(apiProblems('api_version: "1.0.0"\ninstrument: {vendor: A\n'), ['line 3, column 1: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }']);
});

/** Problems of a configuration given as text, next to the small API (as api.yaml). */
function configProblems(text: string, api = SMALL_API): string[] {
  const scratch = scratchFolder();
  try {
    scratch.write('api.yaml', api);
    return validateConfigFile(scratch.write('dev.yaml', text), { cwd: scratch.dir }).map((p) => p.replaceAll(scratch.dir, '<dir>'));
  } finally {
    scratch.remove();
  }
}

const CONFIG = 'name: SRC1\napi_ref: api.yaml\nconnection: {type: VISA, address: "sim://src1"}\n';

test('config schema problems: name pattern, missing fields, bad sim section', () => {
  assert.deepEqual(configProblems('name: src\nconnection: {address: 1}\nsim: {seed: 1.5, outputs: {x: {noise: -1}}}\n'), [
    'line 1: missing required field api_ref',
    'line 1: name: "src" must match ^[A-Z][A-Za-z0-9_]*$',
    'line 2: connection.address: must be string, got number 1',
    'line 3: sim.seed: must be integer, got number 1.5',
    'line 3: sim.outputs.x.noise: must be >= 0',
  ]);
});

test('config: schema problems and cross-checks are reported in one round', () => {
  const text = 'name: src1\napi_ref: api.yaml\nconnection: {type: VISA, address: "sim://src1"}\nio_config:\n  temperature: {type: float}\n';
  assert.deepEqual(configProblems(text), [
    'line 1: name: "src1" must match ^[A-Z][A-Za-z0-9_]*$',
    'line 5: io_config.temperature: port temperature does not exist in the API <dir>/api.yaml',
    'line 4: io_config: port voltage (role input) is missing from io_config',
    'line 4: io_config: port measured_current (role output) is missing from io_config',
  ]);
  assert.deepEqual(configProblems('name: src1\napi_ref: nowhere.yaml\nconnection: {type: VISA, address: "sim://src1"}\n'), [
    'line 1: name: "src1" must match ^[A-Z][A-Za-z0-9_]*$',
    'line 2: api_ref: API definition nowhere.yaml not found (tried <dir>/nowhere.yaml)',
  ]);
});

test('config: a missing api_ref names the paths tried', () => {
  assert.deepEqual(configProblems(CONFIG.replace('api.yaml', 'apis/none.yaml')), [
    'line 2: api_ref: API definition apis/none.yaml not found (tried <dir>/apis/none.yaml)',
  ]);
});

test('config: problems of the referenced API are reported against api_ref', () => {
  assert.deepEqual(configProblems(CONFIG, SMALL_API.replace('{voltage}', '{volts}')), [
    'line 2: api_ref: <dir>/api.yaml: line 19: commands.SET_VOLTAGE.template: placeholder {volts} has no parameter (parameters: voltage)',
  ]);
});

test('config: io_config entries must name ports of the API, with the same type', () => {
  const text = `${CONFIG}io_config:\n  voltage: {type: int, role: input}\n  measured_current: {type: float, role: output}\n  temperature: {type: float}\n`;
  assert.deepEqual(configProblems(text), [
    'line 5: io_config.voltage.type: type int does not match the API\'s type float for port voltage',
    'line 7: io_config.temperature: port temperature does not exist in the API <dir>/api.yaml',
  ]);
});

test('config: ports with role input/output/inout must be in io_config when the config has one', () => {
  assert.deepEqual(configProblems(`${CONFIG}io_config:\n  voltage: {type: float, role: input, scale: 2}\n`), [
    'line 4: io_config: port measured_current (role output) is missing from io_config',
  ]);
  // The original's minimal configs have no io_config at all: nothing is required then.
  assert.deepEqual(configProblems(CONFIG), []);
});

test('config: a scale of 0 is refused (it would make every reading the offset)', () => {
  assert.deepEqual(configProblems(`${CONFIG}io_config:\n  voltage: {scale: 0}\n  measured_current: {}\n`), ['line 5: io_config.voltage.scale: must not be 0']);
});

test('schema and cross-check problems are reported in one round, each line once', () => {
  const text = SMALL_API.replace('    type: float\n    role: input', '    type: flaot\n    role: input').replace('min: -10', 'min: 20');
  assert.deepEqual(apiProblems(text), [
    'line 10: io[0].type: "flaot" is not allowed; must be one of int, integer, int32, int64, float, double, number, bool, boolean, string, str, array, array<float>, array<double>, array<int>, array<integer>',
    'line 21: commands.SET_VOLTAGE.parameters[0]: min 20 is above max 10',
  ]);
});

test('cross-checks of a file of the wrong shape report through the schema and never throw', () => {
  const odd = [
    'commands: [1, 2]\n',
    'commands: {SET: null, GET: 7, PUT: {template: 5, parameters: [null, 3, [x]], outputs: {a: 1}, channel_group: [x]}}\nio: [null, 4]\n',
    'channel_groups: [null, {name: [a], channel_parameter: {min: "1", max: "100000000000"}, io_types: [null]}, {name: g, channel_parameter: {min: 0, max: 1000000000}, io_types: [{suffix: s}]}]\n',
    '"just a string"\n',
    '',
  ];
  for (const text of odd) {
    const problems = apiProblems(text);
    assert.ok(problems.length > 0, text);
    assert.equal(new Set(problems).size, problems.length, text);
  }
});

test('a large file that is not YAML is not echoed back in the problem', () => {
  const line = 'root:x:0:0:root:/root:/bin/bash';
  const problems = apiProblems(Array.from({ length: 2000 }, () => line).join('\n') + '\n');
  assert.ok(problems.length > 0);
  for (const problem of problems) assert.ok(problem.length < 200, problem.slice(0, 300));
  assert.match(problems.join('\n'), /^line 1: must be object, got string "root:x:0:0:root:\/root:\/bin\/bash root:x:0:0:[^\n]{10,30}…$/);
});

test('a placeholder of an optional parameter without a default is reported (a call leaving it out could not be sent)', () => {
  const text = SMALL_API.replace('      - io: voltage\n', '      - io: voltage\n        required: false\n');
  assert.deepEqual(apiProblems(text), [
    'line 19: commands.SET_VOLTAGE.template: placeholder {voltage} belongs to an optional parameter without a default',
  ]);
  assert.deepEqual(apiProblems(SMALL_API.replace('      - io: voltage\n', '      - io: voltage\n        required: false\n        default: 0\n')), []);
});

test('unbalanced braces in a template are reported', () => {
  assert.deepEqual(apiProblems(SMALL_API.replace('SOUR:VOLT {voltage}', 'SOUR:VOLT {voltage')), [
    'line 19: commands.SET_VOLTAGE.template: "{" at character 11 has no matching "}" (placeholders are {name})',
  ]);
  assert.deepEqual(apiProblems(SMALL_API.replace('MEAS:CURR?', 'MEAS:CURR}?')), [
    'line 26: commands.MEASURE_CURRENT.template: "}" at character 10 has no matching "{" (placeholders are {name})',
  ]);
  assert.deepEqual(apiProblems(SMALL_API.replace('SOUR:VOLT {voltage}', 'SOUR:VOLT {{voltage}')), [
    'line 19: commands.SET_VOLTAGE.template: "{" at character 11 has no matching "}" (placeholders are {name})',
  ]);
});
