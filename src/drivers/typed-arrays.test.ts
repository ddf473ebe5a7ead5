import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARRAY_DATA_TYPES, bytesPerElement, toBytes, toTypedArray, typedArrayDataType, typedArrayFromBytes } from './typed-arrays.js';

test('every element type round-trips: numbers → typed array → bytes → typed array', () => {
  for (const dataType of ARRAY_DATA_TYPES) {
    const typed = toTypedArray([1, 2, 3], dataType);
    assert.equal(typedArrayDataType(typed), dataType);
    const bytes = toBytes(typed, dataType);
    assert.equal(bytes.byteLength, 3 * bytesPerElement(dataType));
    assert.deepEqual(Array.from(typedArrayFromBytes(bytes, dataType), Number), [1, 2, 3], dataType);
  }
  assert.equal(typedArrayDataType([1, 2]), undefined, 'a plain array has no element type');
});

test('bytes at an odd offset are copied into an aligned buffer before they are read', () => {
  const source = new Uint8Array(1 + 8);
  source.set(new Uint8Array(new Float64Array([2.5]).buffer), 1);
  const values = typedArrayFromBytes(source.subarray(1), 'float64');
  assert.deepEqual(Array.from(values as Float64Array), [2.5]);
});
