import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { bindCall, bindCliArguments } from './binding.js';
import { ParameterError } from './errors.js';
import { loadInstrument } from './loaded-instrument.js';
import { labExamples, originalFixtures } from './fixtures/files.js';

const dac = loadInstrument(join(labExamples, 'configs/dac1.yaml'));
const dmm = loadInstrument(join(labExamples, 'configs/dmm1.yaml'));
const mock = loadInstrument(join(originalFixtures, 'mock_instrument1.yaml'));

/** Asserts that binding fails with a ParameterError carrying exactly `message`. */
function refuses(bind: () => unknown, message: string, parameter?: string): void {
  assert.throws(bind, (error: unknown) => {
    assert.ok(error instanceof ParameterError, String(error));
    assert.equal(error.message, message);
    if (parameter !== undefined) assert.equal(error.parameter, parameter);
    return true;
  });
}

test('positional arguments bind to the declared parameters in order; the channel joins the params', () => {
  const bound = bindCall(dac, 'SET_VOLTAGE', { positional: [0.25] }, 2);
  assert.deepEqual(bound.params, { channel: 2, voltage: 0.25 });
  assert.equal(bound.channel, 2);
  assert.equal(bound.spec.verb, 'SET_VOLTAGE');
  assert.deepEqual(bindCall(mock, 'CONFIGURE', { positional: [3, true, 'fast'] }).params, { config_param1: 3, config_param2: true, config_param3: 'fast' });
});

test('named arguments bind by name; the channel may be given as the group parameter instead of the address', () => {
  assert.deepEqual(bindCall(dac, 'SET_VOLTAGE', { named: { voltage: -1.5, channel: 4 } }).params, { channel: 4, voltage: -1.5 });
  assert.deepEqual(bindCall(dac, 'SET_VOLTAGE', { named: { voltage: 1, channel: 3 } }, 3).channel, 3);
  assert.deepEqual(bindCall(mock, 'CONFIGURE', { positional: [1], named: { config_param3: 'x', config_param2: false } }).params, { config_param1: 1, config_param2: false, config_param3: 'x' });
});

test('an unknown verb is refused with close names', () => {
  refuses(() => bindCall(dac, 'SET_VOLTGE', {}, 1), 'Instrument DAC1: unknown command SET_VOLTGE (did you mean SET_VOLTAGE, GET_VOLTAGE?)');
  refuses(() => bindCall(dac, 'FROBNICATE', {}), 'Instrument DAC1: unknown command FROBNICATE (commands: IDN, RESET, SET_VOLTAGE, GET_VOLTAGE)');
});

test('a missing required parameter is refused, naming its type and limits', () => {
  refuses(() => bindCall(dac, 'SET_VOLTAGE', {}, 1), 'Instrument DAC1: command SET_VOLTAGE: missing required parameter voltage (float, V, -10..10)', 'voltage');
});

test('extra and unknown parameters are refused', () => {
  refuses(() => bindCall(dac, 'SET_VOLTAGE', { positional: [1, 2] }, 1), 'Instrument DAC1: command SET_VOLTAGE: too many arguments: 2 given, takes 1 (voltage)');
  refuses(() => bindCall(dmm, 'MEASURE_VOLTAGE', { positional: [1] }), 'Instrument DMM1: command MEASURE_VOLTAGE: too many arguments: 1 given, takes none');
  refuses(() => bindCall(dac, 'SET_VOLTAGE', { named: { volts: 1 } }, 1), 'Instrument DAC1: command SET_VOLTAGE: unknown parameter volts (parameters: voltage)', 'volts');
  refuses(() => bindCall(dac, 'SET_VOLTAGE', { positional: [1], named: { voltage: 2 } }, 1), 'Instrument DAC1: command SET_VOLTAGE: parameter voltage given twice (by position and by name)');
});

test('values of the wrong type are refused', () => {
  refuses(() => bindCall(dac, 'SET_VOLTAGE', { positional: ['1.0' as unknown as number] }, 1), 'Instrument DAC1: command SET_VOLTAGE: parameter voltage must be a number, got string "1.0"');
  refuses(() => bindCall(dac, 'SET_VOLTAGE', { positional: [NaN] }, 1), 'Instrument DAC1: command SET_VOLTAGE: parameter voltage must be a number, got number NaN');
  refuses(() => bindCall(mock, 'CONFIGURE', { positional: [1.5, true, 'x'] }), 'Instrument MockInstrument1: command CONFIGURE: parameter config_param1 must be an integer, got number 1.5');
  refuses(() => bindCall(mock, 'CONFIGURE', { positional: [1, 1, 'x'] }), 'Instrument MockInstrument1: command CONFIGURE: parameter config_param2 must be a boolean, got number 1');
  refuses(() => bindCall(mock, 'CONFIGURE', { positional: [1, true, 7] }), 'Instrument MockInstrument1: command CONFIGURE: parameter config_param3 must be a string, got number 7');
});

test('values outside min/max are refused, naming the limit', () => {
  refuses(() => bindCall(dac, 'SET_VOLTAGE', { positional: [12] }, 1), 'Instrument DAC1: command SET_VOLTAGE: parameter voltage = 12 is above the maximum 10', 'voltage');
  refuses(() => bindCall(dac, 'SET_VOLTAGE', { positional: [-10.5] }, 1), 'Instrument DAC1: command SET_VOLTAGE: parameter voltage = -10.5 is below the minimum -10', 'voltage');
  assert.equal(bindCall(dac, 'SET_VOLTAGE', { positional: [10] }, 1).params.voltage, 10);
  refuses(() => bindCall(dmm, 'SET_RANGE', { positional: [0.01] }), 'Instrument DMM1: command SET_RANGE: parameter range = 0.01 is below the minimum 0.1', 'range');
});

test('channels: checked against the group range, required for channel commands, refused elsewhere', () => {
  refuses(() => bindCall(dac, 'SET_VOLTAGE', { positional: [1] }, 5), 'Instrument DAC1: command SET_VOLTAGE: channel 5 is above the maximum 4', 'channel');
  refuses(() => bindCall(dac, 'SET_VOLTAGE', { positional: [1] }, 0), 'Instrument DAC1: command SET_VOLTAGE: channel 0 is below the minimum 1', 'channel');
  refuses(() => bindCall(dac, 'SET_VOLTAGE', { positional: [1] }), 'Instrument DAC1: command SET_VOLTAGE: needs a channel of group ch 1..4, e.g. DAC1:1.SET_VOLTAGE', 'channel');
  refuses(() => bindCall(dmm, 'MEASURE_VOLTAGE', {}, 2), 'Instrument DMM1: command MEASURE_VOLTAGE: has no channels, but channel 2 was given (call it as DMM1.MEASURE_VOLTAGE)');
  refuses(() => bindCall(dac, 'SET_VOLTAGE', { named: { voltage: 1, channel: 2 } }, 3), 'Instrument DAC1: command SET_VOLTAGE: channel given twice: 3 in the address and channel = 2');
  refuses(() => bindCall(dac, 'SET_VOLTAGE', { named: { voltage: 1, channel: 1.5 } }), 'Instrument DAC1: command SET_VOLTAGE: channel must be an integer, got number 1.5');
  refuses(() => bindCall(dac, 'SET_VOLTAGE', { named: { voltage: 1, ch: 'two' } }), 'Instrument DAC1: command SET_VOLTAGE: channel ch must be an integer, got string "two"');
});

test('defaults fill in missing optional parameters; absent optional ones stay absent', () => {
  const instrument = structuredClone(dmm);
  instrument.api.commands.SET_RANGE!.parameters[0] = { ...instrument.api.commands.SET_RANGE!.parameters[0]!, required: false, default: 10 };
  assert.deepEqual(bindCall(instrument, 'SET_RANGE', {}).params, { range: 10 });
  instrument.api.commands.SET_RANGE!.parameters[0] = { name: 'range', type: 'float', required: false };
  instrument.api.commands.SET_RANGE!.template = 'VOLT:DC:RANG:AUTO ON';
  assert.deepEqual(bindCall(instrument, 'SET_RANGE', {}).params, {});
});

test('an optional parameter without a default that the template needs is refused when left out, before anything is sent', () => {
  const instrument = structuredClone(dmm);
  instrument.api.commands.SET_LEVEL = {
    verb: 'SET_LEVEL', template: 'LEV {level}', parameters: [{ name: 'level', type: 'float', required: false }], outputs: [], returns: 'void', query: false,
  };
  refuses(() => bindCall(instrument, 'SET_LEVEL', {}), 'Instrument DMM1: command SET_LEVEL: parameter level is needed by the template but was not given and has no default', 'level');
  assert.deepEqual(bindCall(instrument, 'SET_LEVEL', { positional: [0.5] }).params, { level: 0.5 });
  // The channel placeholders of a channel command are filled by the channel, which is always given.
  assert.deepEqual(bindCall(dac, 'GET_VOLTAGE', {}, 2).params, { channel: 2 });
});

test('a string value that would end the command (CR, LF, NUL or ;) is refused instead of reaching the instrument', () => {
  const instrument = structuredClone(dmm);
  instrument.api.commands.SET_LABEL = {
    verb: 'SET_LABEL', template: 'DISP:TEXT "{label}"', parameters: [{ name: 'label', type: 'string', required: true }], outputs: [], returns: 'void', query: false,
  };
  const message = "Instrument DMM1: command SET_LABEL: parameter label must not contain a line break, NUL or ';' (it would send a second command to the instrument)";
  for (const label of ['a\n*RST\nOUTP ON', 'b;:SYST:BEEP', 'c\r', 'd\0e']) {
    refuses(() => bindCall(instrument, 'SET_LABEL', { positional: [label] }), message, 'label');
    refuses(() => bindCall(instrument, 'SET_LABEL', { named: { label } }), message, 'label');
  }
  refuses(() => bindCliArguments(instrument, 'SET_LABEL', ['label=x;*RST']), message, 'label');
  assert.deepEqual(bindCall(instrument, 'SET_LABEL', { positional: ['Run 7: 1.5 V, ok'] }).params, { label: 'Run 7: 1.5 V, ok' });
});

test('arrays accept lists and typed arrays of numbers only', () => {
  const instrument = structuredClone(dmm);
  instrument.api.commands.LOAD = { verb: 'LOAD', template: 'DATA {points}', parameters: [{ name: 'points', type: 'array', required: true, max: 5 }], outputs: [], returns: 'void', query: false };
  assert.deepEqual(bindCall(instrument, 'LOAD', { positional: [[1, 2.5]] }).params, { points: [1, 2.5] });
  assert.deepEqual(bindCall(instrument, 'LOAD', { named: { points: new Float64Array([3, 4]) } }).params, { points: [3, 4] });
  refuses(() => bindCall(instrument, 'LOAD', { positional: [[1, 'x'] as unknown as number[]] }), 'Instrument DMM1: command LOAD: parameter points must be an array of numbers, got an array [1, "x"]');
  refuses(() => bindCall(instrument, 'LOAD', { positional: [[1, 6]] }), 'Instrument DMM1: command LOAD: parameter points = 6 is above the maximum 5');
});

test('CLI key=value pairs are read as the declared types', () => {
  assert.deepEqual(bindCliArguments(dac, 'SET_VOLTAGE', ['voltage=1e-3'], 2).params, { channel: 2, voltage: 0.001 });
  assert.deepEqual(bindCliArguments(dac, 'SET_VOLTAGE', ['channel=3', 'voltage=-2']).params, { channel: 3, voltage: -2 });
  assert.deepEqual(bindCliArguments(mock, 'CONFIGURE', ['config_param1=4', 'config_param2=on', 'config_param3=a=b']).params, { config_param1: 4, config_param2: true, config_param3: 'a=b' });
  assert.deepEqual(bindCliArguments(mock, 'CONFIGURE', ['4', 'off', 'x']).params, { config_param1: 4, config_param2: false, config_param3: 'x' });
  for (const [text, value] of [['true', true], ['false', false], ['1', true], ['0', false], ['ON', true], ['Off', false]] as const) {
    assert.equal(bindCliArguments(mock, 'CONFIGURE', ['config_param1=1', `config_param2=${text}`, 'config_param3=']).params.config_param2, value);
  }
  refuses(() => bindCliArguments(mock, 'CONFIGURE', ['config_param1=1.5']), 'Instrument MockInstrument1: command CONFIGURE: parameter config_param1 = "1.5" is not an integer');
  refuses(() => bindCliArguments(mock, 'CONFIGURE', ['config_param1=1', 'config_param2=maybe']), 'Instrument MockInstrument1: command CONFIGURE: parameter config_param2 = "maybe" is not a boolean');
  refuses(() => bindCliArguments(dac, 'SET_VOLTAGE', ['voltage=abc'], 1), 'Instrument DAC1: command SET_VOLTAGE: parameter voltage = "abc" is not a number');
  refuses(() => bindCliArguments(dac, 'SET_VOLTAGE', ['voltage=11'], 1), 'Instrument DAC1: command SET_VOLTAGE: parameter voltage = 11 is above the maximum 10');
  refuses(() => bindCliArguments(dac, 'SET_VOLTAGE', ['volts=1'], 1), 'Instrument DAC1: command SET_VOLTAGE: unknown parameter volts (parameters: voltage)');
});

test('on the command line a bare parameter name is a forgotten =value, not the value', () => {
  refuses(() => bindCliArguments(dac, 'SET_VOLTAGE', ['voltage'], 1), 'Instrument DAC1: command SET_VOLTAGE: voltage is the name of a parameter, not a value (did you mean voltage=<value>?)', 'voltage');
  refuses(() => bindCliArguments(dac, 'SET_VOLTAGE', ['channel', 'voltage=1']), 'Instrument DAC1: command SET_VOLTAGE: channel is the name of a parameter, not a value (did you mean channel=<value>?)', 'channel');
  refuses(() => bindCliArguments(mock, 'CONFIGURE', ['1', 'on', 'config_param3']), 'Instrument MockInstrument1: command CONFIGURE: config_param3 is the name of a parameter, not a value (did you mean config_param3=<value>?)', 'config_param3');
  assert.deepEqual(bindCliArguments(mock, 'CONFIGURE', ['1', 'on', 'fast']).params, { config_param1: 1, config_param2: true, config_param3: 'fast' });
});

test('a value quoted in an error is cut short, not echoed whole', () => {
  const long = 'x'.repeat(5000);
  assert.throws(() => bindCliArguments(dac, 'SET_VOLTAGE', [`voltage=${long}`], 1), (error: unknown) => {
    assert.ok(error instanceof ParameterError);
    assert.ok(error.message.length < 200, error.message);
    assert.match(error.message, /^Instrument DAC1: command SET_VOLTAGE: parameter voltage = "x{58}… is not a number$/);
    return true;
  });
  assert.throws(() => bindCall(dac, 'SET_VOLTAGE', { positional: [long as unknown as number] }, 1), (error: unknown) => error instanceof Error && error.message.length < 200);
});
