// The type spellings found in API files (the C++ original accepted several) and what they mean here.
import type { ArrayDataType, ReturnType, ValueType } from './types.js';

const VALUE_TYPES: Record<string, ValueType> = {
  int: 'int', integer: 'int', int32: 'int', int64: 'int',
  float: 'float', double: 'float', number: 'float',
  bool: 'bool', boolean: 'bool',
  string: 'string', str: 'string',
  array: 'array', 'array<float>': 'array', 'array<double>': 'array', 'array<int>': 'array', 'array<integer>': 'array',
};

/** Every spelling accepted for a port or parameter type (used by the JSON Schemas too). */
export const VALUE_TYPE_SPELLINGS = Object.keys(VALUE_TYPES);

/** Every spelling accepted for a command's `returns`. */
export const RETURN_TYPE_SPELLINGS = ['void', 'none', 'int', 'integer', 'int64', 'float', 'double', 'number', 'bool', 'boolean', 'string', 'str',
  'array', 'array<float>', 'array<double>', 'array<int>', 'array<integer>'];

export function normaliseValueType(spelling: string): ValueType | undefined {
  return VALUE_TYPES[spelling.trim().toLowerCase()];
}

/** `returns:` as written → the result type recorded for the call, plus the array element type. */
export function normaliseReturnType(spelling: string): { returns: ReturnType; arrayDataType?: ArrayDataType } | undefined {
  const text = spelling.trim().toLowerCase();
  if (text === 'void' || text === 'none') return { returns: 'void' };
  if (text === 'array<int>' || text === 'array<integer>') return { returns: 'array', arrayDataType: 'int32' };
  const type = normaliseValueType(text);
  if (type === undefined) return undefined;
  return returnTypeOf(type);
}

/** What a call returns when its first output port has this type. */
export function returnTypeOf(type: ValueType): { returns: ReturnType; arrayDataType?: ArrayDataType } {
  switch (type) {
    case 'int': return { returns: 'int64' };
    case 'float': return { returns: 'double' };
    case 'bool': return { returns: 'bool' };
    case 'string': return { returns: 'string' };
    case 'array': return { returns: 'array', arrayDataType: 'float64' };
  }
}
