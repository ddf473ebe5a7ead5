// How each array element type (ArrayDataType) is held in memory: its typed-array class and
// element size, and the conversions between bytes, typed arrays and plain numbers. Declared
// once for drivers (binary blocks, plugins), the worker's array transfer and the buffer store.
import type { ArrayDataType } from '../config/types.js';
import type { NumericArray } from './driver.js';

export type TypedNumericArray = Exclude<NumericArray, number[]>;

const CLASSES = {
  float64: Float64Array, float32: Float32Array, int64: BigInt64Array, uint64: BigUint64Array, int32: Int32Array,
  uint32: Uint32Array, int16: Int16Array, uint16: Uint16Array, int8: Int8Array, uint8: Uint8Array,
} as const satisfies Record<ArrayDataType, unknown>;

/** Every element type, e.g. for checking a `data_type` setting. */
export const ARRAY_DATA_TYPES = Object.keys(CLASSES) as ArrayDataType[];

export function bytesPerElement(dataType: ArrayDataType): number {
  return CLASSES[dataType].BYTES_PER_ELEMENT;
}

/** The element type of a typed array; undefined for a plain array of numbers. */
export function typedArrayDataType(value: NumericArray): ArrayDataType | undefined {
  if (Array.isArray(value)) return undefined;
  return ARRAY_DATA_TYPES.find((dataType) => value instanceof CLASSES[dataType]);
}

/**
 * `count` elements (default: as many whole ones as there are) of little-endian `bytes` as a
 * typed array. The bytes are copied into a fresh, aligned buffer unless `bytes` already is one.
 */
export function typedArrayFromBytes(bytes: Uint8Array, dataType: ArrayDataType, count = Math.floor(bytes.byteLength / bytesPerElement(dataType))): TypedNumericArray {
  let buffer = bytes.buffer as ArrayBuffer;
  if (bytes.byteOffset !== 0 || buffer.byteLength !== bytes.byteLength) {
    buffer = new ArrayBuffer(bytes.byteLength);
    new Uint8Array(buffer).set(bytes);
  }
  const Type = CLASSES[dataType] as unknown as new (buffer: ArrayBuffer, offset: number, length: number) => TypedNumericArray;
  return new Type(buffer, 0, count);
}

/** The array as the typed array of its data type (64-bit integers as BigInt arrays); typed arrays of that type pass through. */
export function toTypedArray(data: NumericArray, dataType: ArrayDataType): TypedNumericArray {
  const Type = CLASSES[dataType];
  if (data instanceof Type) return data;
  const numbers = Array.from(data as ArrayLike<number | bigint>, Number);
  if (dataType === 'int64' || dataType === 'uint64') return (Type as BigInt64ArrayConstructor).from(numbers, (x) => BigInt(Math.round(x)));
  return (Type as Float64ArrayConstructor).from(numbers);
}

/** The raw little-endian bytes of the array in its data type (plain arrays are converted). */
export function toBytes(data: NumericArray, dataType: ArrayDataType): Uint8Array {
  const typed = toTypedArray(data, dataType);
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}
