import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fromRawValue, toRawValue } from './io-scaling.js';
import { loadInstrument } from './loaded-instrument.js';
import { labExamples } from './fixtures/files.js';

const dac = loadInstrument(join(labExamples, 'configs/dac1.yaml'));
const divided = structuredClone(dac);
// A 1:10 divider between DAC and sample, and a 0.2 V offset: scripts work in volts at the sample.
divided.config.ioConfig.ch1_voltage = { type: 'float', role: 'input', unit: 'V', scale: 0.1, offset: 0.2 };

test('scripts see raw × scale + offset; values sent are (value − offset) / scale', () => {
  assert.equal(fromRawValue(divided, 'ch1_voltage', 5), 5 * 0.1 + 0.2);
  assert.ok(Math.abs(toRawValue(divided, 'ch1_voltage', 0.7) - 5) < 1e-12);
  assert.ok(Math.abs(fromRawValue(divided, 'ch1_voltage', toRawValue(divided, 'ch1_voltage', 0.123)) - 0.123) < 1e-15);
});

test('ports without io_config, or with scale 1 and offset 0, are not scaled', () => {
  assert.equal(toRawValue(divided, 'ch2_voltage', 0.1), 0.1);
  assert.equal(fromRawValue(divided, 'no_such_port', 0.1), 0.1);
  assert.equal(fromRawValue(dac, 'ch1_voltage', 0.3), 0.3);
});
