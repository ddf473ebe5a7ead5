import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReply, type ReplyFormat } from './reply-parser.js';
import { decodeBlock, encodeBlock, replyEnd } from './binary-block.js';

const format = (returns: ReplyFormat['returns'], dataType: ReplyFormat['dataType'] = 'float64', littleEndian = true): ReplyFormat =>
  ({ returns, dataType, littleEndian, readTermination: Buffer.from('\n') });

test('text replies become the declared type', () => {
  assert.equal(parseReply(Buffer.from('+1.500000E+01\n'), format('double')).value, 15);
  assert.equal(parseReply(Buffer.from(':VOLT 2.5\n'), format('double')).value, 2.5);
  assert.equal(parseReply(Buffer.from('9.9E37\n'), format('double')).value, 9.9e37);
  assert.equal(parseReply(Buffer.from('-17\n'), format('int64')).value, -17);
  assert.equal(parseReply(Buffer.from('1.0E+02\n'), format('int64')).value, 100);
  assert.equal(parseReply(Buffer.from('ON\n'), format('bool')).value, true);
  assert.equal(parseReply(Buffer.from('0\n'), format('bool')).value, false);
  assert.equal(parseReply(Buffer.from('  hello world \r\n'), format('string')).value, 'hello world');
  assert.deepEqual(parseReply(Buffer.from('1,2.5,-3e-3\n'), format('array')).value, Float64Array.from([1, 2.5, -3e-3]));
  assert.deepEqual(parseReply(Buffer.from('1,2,3\n'), format('array', 'int32')), { value: Int32Array.from([1, 2, 3]), dataType: 'int32' });
});

test('replies that do not fit the declared type are parse errors quoting the reply', () => {
  assert.throws(() => parseReply(Buffer.from('abc\n'), format('double')), /reply "abc" is not a number/);
  assert.throws(() => parseReply(Buffer.from('1.5\n'), format('int64')), /reply "1.5" is not an integer/);
  assert.throws(() => parseReply(Buffer.from('maybe\n'), format('bool')), /is not a boolean/);
  assert.throws(() => parseReply(Buffer.from('1,x,3\n'), format('array')), /not a comma-separated list of numbers \(item 2\)/);
  assert.throws(() => parseReply(Buffer.from('#15abc\n'), format('array', 'float32')), /announces 5 bytes but only/);
  assert.throws(() => parseReply(Buffer.from('#16abcdef\n'), format('array', 'float32')), /6 bytes is not a whole number of float32 values/);
});

test('definite-length blocks decode in either byte order', () => {
  const values = Float32Array.from([1.5, -2, 10]);
  const little = encodeBlock(new Uint8Array(values.buffer));
  assert.deepEqual(parseReply(Buffer.concat([little, Buffer.from('\n')]), format('array', 'float32')).value, values);
  const big = Buffer.from(new Uint8Array(values.buffer).slice()).swap32();
  assert.deepEqual(parseReply(Buffer.concat([encodeBlock(big), Buffer.from('\n')]), format('array', 'float32', false)).value, values);
  assert.deepEqual(decodeBlock(Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]), 'int64'), BigInt64Array.from([1n]));
});

test('stream framing skips a block whose payload contains the termination byte', () => {
  const payload = Buffer.from([0x0a, 0x0a, 0x0a, 0x0a]);
  const reply = Buffer.concat([encodeBlock(payload), Buffer.from('\n')]);
  assert.deepEqual(replyEnd(reply.subarray(0, 5), Buffer.from('\n')), { needBytes: 8 });
  assert.deepEqual(replyEnd(reply, Buffer.from('\n')), { end: reply.length });
  assert.deepEqual(replyEnd(Buffer.from('1.5\n2.5\n'), Buffer.from('\n')), { end: 4 });
});
