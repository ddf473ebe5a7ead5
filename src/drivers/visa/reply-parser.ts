// Turns the bytes an instrument sent back into the value the API declares for the command
// (`returns`: double, int64, bool, string, array). Binary blocks become typed arrays; text
// arrays are comma-separated numbers. Anything that does not fit is a ReplyParseError whose
// message quotes the reply, so the user sees what the instrument actually said.
import type { ArrayDataType, ReturnType } from '../../config/types.js';
import type { DriverReply } from '../driver.js';
import { blockPayload, decodeBlock, findBlockStart } from './binary-block.js';

export class ReplyParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplyParseError';
  }
}

export interface ReplyFormat {
  returns: ReturnType;
  /** Element type of binary blocks (the instrument's wire format, e.g. FORM REAL,32). */
  dataType: ArrayDataType;
  /** Element type for comma-separated text lists (default: dataType). */
  listDataType?: ArrayDataType;
  littleEndian: boolean;
  /** Termination bytes to strip from text replies. */
  readTermination: Buffer;
}

/** Shows a reply in an error message: printable text as is, the rest escaped, long replies cut. */
export function quoteReply(reply: Buffer | string): string {
  const text = typeof reply === 'string' ? reply : reply.subarray(0, 80).toString('latin1');
  const shown = JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
  return typeof reply !== 'string' && reply.length > 80 ? `${shown} (${reply.length} bytes)` : shown;
}

export function replyText(reply: Buffer, termination: Buffer): string {
  let end = reply.length;
  if (termination.length > 0 && end >= termination.length && reply.subarray(end - termination.length).equals(termination)) end -= termination.length;
  return reply.subarray(0, end).toString('latin1').trim();
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const SPECIAL: Record<string, number> = { NAN: NaN, '9.91E37': NaN, INF: Infinity, '+INF': Infinity, '-INF': -Infinity };

export function parseNumber(text: string): number | undefined {
  const word = withoutHeader(text);
  const special = SPECIAL[word.toUpperCase()];
  if (special !== undefined) return special;
  return NUMBER.test(word) ? Number(word) : undefined;
}

/** Some instruments echo the header before the value (":VOLT 1.5"); the value is what follows it. */
function withoutHeader(text: string): string {
  const header = /^:?[A-Za-z][A-Za-z0-9:]*\s+(\S+)$/.exec(text);
  return header ? header[1]! : text;
}

function parseInt64(text: string): number | bigint | undefined {
  const word = withoutHeader(text);
  if (/^[+-]?\d+$/.test(word)) {
    const big = BigInt(word);
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }
  const value = parseNumber(word);
  return value !== undefined && Number.isInteger(value) ? value : undefined;
}

function parseBool(text: string): boolean | undefined {
  switch (text.toUpperCase()) {
    case '1': case 'ON': case 'TRUE': case '+1':
      return true;
    case '0': case 'OFF': case 'FALSE': case '+0':
      return false;
    default: {
      const n = parseNumber(text);
      return n === undefined ? undefined : n !== 0;
    }
  }
}

function typedFromNumbers(values: number[], dataType: ArrayDataType): DriverReply {
  switch (dataType) {
    case 'float32': return { value: Float32Array.from(values), dataType };
    case 'int32': return { value: Int32Array.from(values), dataType };
    case 'uint32': return { value: Uint32Array.from(values), dataType };
    case 'int16': return { value: Int16Array.from(values), dataType };
    case 'uint16': return { value: Uint16Array.from(values), dataType };
    case 'int8': return { value: Int8Array.from(values), dataType };
    case 'uint8': return { value: Uint8Array.from(values), dataType };
    case 'int64': return { value: BigInt64Array.from(values, (v) => BigInt(Math.round(v))), dataType };
    case 'uint64': return { value: BigUint64Array.from(values, (v) => BigInt(Math.round(v))), dataType };
    default: return { value: Float64Array.from(values), dataType: 'float64' };
  }
}

/** Parses one reply; throws ReplyParseError with the reason and the quoted reply. */
export function parseReply(reply: Buffer, format: ReplyFormat): DriverReply {
  const blockAt = findBlockStart(reply);
  if (blockAt !== -1 && (format.returns === 'array' || blockAt === 0)) {
    let payload: Buffer;
    try {
      payload = blockPayload(reply);
      return { value: decodeBlock(payload, format.dataType, format.littleEndian), dataType: format.dataType };
    } catch (error) {
      throw new ReplyParseError(`${(error as Error).message}: reply ${quoteReply(reply)}`);
    }
  }
  const text = replyText(reply, format.readTermination);
  switch (format.returns) {
    case 'void':
      return { value: text.length > 0 ? text : undefined };
    case 'string':
      return { value: text };
    case 'double': {
      const value = parseNumber(text);
      if (value === undefined) throw new ReplyParseError(`reply ${quoteReply(text)} is not a number`);
      return { value };
    }
    case 'int64': {
      const value = parseInt64(text);
      if (value === undefined) throw new ReplyParseError(`reply ${quoteReply(text)} is not an integer`);
      return { value };
    }
    case 'bool': {
      const value = parseBool(text);
      if (value === undefined) throw new ReplyParseError(`reply ${quoteReply(text)} is not a boolean (expected 1/0/ON/OFF)`);
      return { value };
    }
    case 'array': {
      if (text.length === 0) return typedFromNumbers([], format.listDataType ?? format.dataType);
      const values = text.split(',').map((item) => parseNumber(item.trim()));
      const bad = values.findIndex((v) => v === undefined);
      if (bad !== -1) throw new ReplyParseError(`reply ${quoteReply(text)} is not a comma-separated list of numbers (item ${bad + 1})`);
      return typedFromNumbers(values as number[], format.listDataType ?? format.dataType);
    }
  }
}
