import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { formatValue, renderTemplate, templatePlaceholders } from './template.js';
import { bindCall } from './binding.js';
import { TemplateError } from './errors.js';
import { loadInstrument } from './loaded-instrument.js';
import type { CommandSpec } from './types.js';
import { labExamples, originalFixtures } from './fixtures/files.js';

test('numbers are written exactly: integers without a point, floats in shortest round-trip form', () => {
  assert.equal(formatValue(0.1, 'float'), '0.1');
  assert.equal(formatValue(1e-9, 'float'), '1e-9');
  assert.equal(formatValue(-2.5e-7, 'float'), '-2.5e-7');
  assert.equal(formatValue(1 / 3, 'float'), '0.3333333333333333');
  assert.equal(formatValue(5, 'float'), '5');
  assert.equal(formatValue(42, 'int'), '42');
  assert.equal(formatValue(2 ** 53, 'int'), '9007199254740992');
  assert.equal(formatValue(true, 'bool'), '1');
  assert.equal(formatValue(false, 'bool'), '0');
  assert.equal(formatValue('CH1', 'string'), 'CH1');
  assert.equal(formatValue([1, 0.5, -3e-3], 'array'), '1,0.5,-0.003');
});

test('a bound call renders into SCPI text; the channel fills {group} and {channel}', () => {
  const dac = loadInstrument(join(labExamples, 'configs/dac1.yaml'));
  const set = bindCall(dac, 'SET_VOLTAGE', { positional: [0.1] }, 3);
  assert.equal(renderTemplate(set.spec, set.params, set.channel), 'SOUR3:VOLT 0.1');
  const get = bindCall(dac, 'GET_VOLTAGE', {}, 2);
  assert.equal(renderTemplate(get.spec, get.params, get.channel), 'SOUR2:VOLT?');
  // Without the channel argument the bound channel parameter is used.
  assert.equal(renderTemplate(get.spec, get.params), 'SOUR2:VOLT?');
  const mock = loadInstrument(join(originalFixtures, 'mock_instrument1.yaml'));
  const configure = bindCall(mock, 'CONFIGURE', { positional: [7, false, 'slow'] });
  assert.equal(renderTemplate(configure.spec, configure.params), 'CONF 7,0,slow');
});

test('a placeholder without a value is an error naming it', () => {
  const spec: CommandSpec = { verb: 'SET', template: 'SOUR:VOLT {voltage};CURR {limit}', parameters: [], outputs: [], returns: 'void', query: false };
  assert.throws(() => renderTemplate(spec, { voltage: 1 }), (error: unknown) => {
    assert.ok(error instanceof TemplateError);
    assert.equal(error.placeholder, 'limit');
    // The worker puts "Instrument X: command SET:" in front; the template error does not repeat it.
    assert.equal(error.message, 'template "SOUR:VOLT {voltage};CURR {limit}" needs a value for {limit}, but none was given');
    return true;
  });
});

test('placeholders are listed once each, in order', () => {
  assert.deepEqual(templatePlaceholders('CHAN{analog}:RANG {value};CHAN{analog}:OFFS {offset}'), ['analog', 'value', 'offset']);
  assert.deepEqual(templatePlaceholders('*IDN?'), []);
});
