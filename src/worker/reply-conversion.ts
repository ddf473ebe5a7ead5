// Turns what a driver answered into the type the API declares for the command (a SCPI reply
// "+1.234E-03" for a `double` command becomes a number), so scripts always see declared types.
import type { ArrayDataType, CommandSpec } from '../config/types.js';
import type { DriverReply, NumericArray } from '../drivers/driver.js';
import { typedArrayDataType } from '../drivers/typed-arrays.js';

export type ConvertedValue =
  | { type: 'void' }
  | { type: 'double' | 'int64'; value: number }
  | { type: 'string'; value: string }
  | { type: 'bool'; value: boolean }
  | { type: 'array'; dataType: ArrayDataType; data: NumericArray };

/** Thrown when a reply cannot be read as the declared type; the message says what came back. */
export class ReplyConversionError extends Error {
  override name = 'ReplyConversionError';
}

function isNumericArray(value: unknown): value is NumericArray {
  return Array.isArray(value) || ArrayBuffer.isView(value);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? value.slice(0, 80) + '…' : value);
  if (isNumericArray(value)) return `an array of ${(value as ArrayLike<unknown>).length} values`;
  return String(value);
}

function parseNumber(text: string): number {
  const trimmed = text.trim();
  if (/^[+-]?(nan|inf(inity)?)$/i.test(trimmed)) {
    return /nan/i.test(trimmed) ? NaN : trimmed.startsWith('-') ? -Infinity : Infinity;
  }
  return trimmed === '' ? NaN : Number(trimmed);
}

function toNumber(value: unknown, spec: CommandSpec): number {
  let result: number;
  if (typeof value === 'number') result = value;
  else if (typeof value === 'bigint') result = Number(value);
  else if (typeof value === 'boolean') result = value ? 1 : 0;
  else if (typeof value === 'string') {
    result = parseNumber(value);
    if (Number.isNaN(result) && !/nan/i.test(value)) throw new ReplyConversionError(`reply ${describe(value)} is not a number (command returns ${spec.returns})`);
  } else if (isNumericArray(value) && value.length === 1) result = Number(value[0]);
  else throw new ReplyConversionError(`reply ${describe(value)} is not a number (command returns ${spec.returns})`);
  return result;
}

function toBool(value: unknown, spec: CommandSpec): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'bigint') return value !== 0n;
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (['1', 'true', 'on', 'yes'].includes(text)) return true;
    if (['0', 'false', 'off', 'no', ''].includes(text)) return false;
    const number = parseNumber(text);
    if (!Number.isNaN(number)) return number !== 0;
  }
  throw new ReplyConversionError(`reply ${describe(value)} is not a boolean (command returns ${spec.returns})`);
}

function toArray(reply: DriverReply, spec: CommandSpec): { data: NumericArray; dataType: ArrayDataType } {
  const dataType = reply.dataType ?? spec.arrayDataType ?? 'float64';
  const value = reply.value;
  if (isNumericArray(value)) return { data: value, dataType: reply.dataType ?? typedArrayDataType(value) ?? dataType };
  if (typeof value === 'string') {
    const parts = value.split(/[,;\s]+/).filter((part) => part !== '');
    const data = parts.map((part) => {
      const number = parseNumber(part);
      if (Number.isNaN(number) && !/nan/i.test(part)) throw new ReplyConversionError(`reply element ${JSON.stringify(part)} is not a number (command returns array)`);
      return number;
    });
    return { data, dataType };
  }
  if (typeof value === 'number' || typeof value === 'bigint') return { data: [Number(value)], dataType };
  if (value === null || value === undefined) return { data: [], dataType };
  throw new ReplyConversionError(`reply ${describe(value)} is not an array`);
}


export function convertReply(reply: DriverReply, spec: CommandSpec): ConvertedValue {
  const value = reply.value;
  switch (spec.returns) {
    case 'void': return { type: 'void' };
    case 'double': return { type: 'double', value: toNumber(value, spec) };
    case 'int64': {
      const number = toNumber(value, spec);
      return { type: 'int64', value: Number.isFinite(number) ? Math.trunc(number) : number };
    }
    case 'bool': return { type: 'bool', value: toBool(value, spec) };
    case 'string': {
      if (value === null || value === undefined) return { type: 'string', value: '' };
      if (isNumericArray(value)) return { type: 'string', value: Array.from(value as ArrayLike<number | bigint>, String).join(',') };
      return { type: 'string', value: typeof value === 'string' ? value.replace(/[\r\n]+$/, '') : String(value) };
    }
    case 'array': return { type: 'array', ...toArray(reply, spec) };
  }
}
