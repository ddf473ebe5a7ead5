import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convertReply, ReplyConversionError } from './reply-conversion.js';
import type { CommandSpec, ReturnType } from '../config/types.js';

const spec = (returns: ReturnType): CommandSpec => ({ verb: 'MEASURE', template: 'MEAS?', parameters: [], outputs: [], returns, query: true });

test('SCPI text replies become the declared type', () => {
  assert.deepEqual(convertReply({ value: '+1.234E-03\n' }, spec('double')), { type: 'double', value: 0.001234 });
  assert.deepEqual(convertReply({ value: ' 42 ' }, spec('int64')), { type: 'int64', value: 42 });
  assert.deepEqual(convertReply({ value: 'ON' }, spec('bool')), { type: 'bool', value: true });
  assert.deepEqual(convertReply({ value: '0' }, spec('bool')), { type: 'bool', value: false });
  assert.deepEqual(convertReply({ value: 'ACME,X\r\n' }, spec('string')), { type: 'string', value: 'ACME,X' });
  assert.deepEqual(convertReply({ value: '1,2.5,-3e1' }, spec('array')), { type: 'array', dataType: 'float64', data: [1, 2.5, -30] });
  assert.deepEqual(convertReply({ value: 12n }, spec('double')), { type: 'double', value: 12 });
  assert.deepEqual(convertReply({ value: 'whatever' }, spec('void')), { type: 'void' });
  const typed = convertReply({ value: new Float32Array([1, 2]) }, spec('array'));
  assert.equal(typed.type === 'array' && typed.dataType, 'float32');
});

test('a reply that is not a number for a double command is a clear error', () => {
  assert.throws(() => convertReply({ value: 'OVLD' }, spec('double')), (error: unknown) => {
    assert.ok(error instanceof ReplyConversionError);
    assert.equal(error.message, 'reply "OVLD" is not a number (command returns double)');
    return true;
  });
  assert.throws(() => convertReply({ value: 'maybe' }, spec('bool')), /reply "maybe" is not a boolean/);
});
