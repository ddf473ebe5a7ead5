import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTarget } from './target.js';

test('a call target names the instrument, optionally a channel, and the verb', () => {
  assert.deepEqual(parseTarget('DMM1.MEASURE_CURRENT'), { instrument: 'DMM1', verb: 'MEASURE_CURRENT', label: 'DMM1' });
  assert.deepEqual(parseTarget('DAC1:12.SET_VOLTAGE'), { instrument: 'DAC1', channel: 12, verb: 'SET_VOLTAGE', label: 'DAC1:12' });
});

test('a malformed call target is explained', () => {
  assert.equal(parseTarget('DAC1'), 'bad command target "DAC1": expected "INST.VERB" or "INST:CH.VERB"');
  assert.equal(parseTarget('DAC1:x.SET'), 'bad command target "DAC1:x.SET": expected "INST.VERB" or "INST:CH.VERB"');
  assert.match(parseTarget(42) as string, /got number/);
  assert.match(parseTarget(undefined) as string, /got nil/);
});
