// IEEE 488.2 arbitrary block data: `#<n><len><bytes>` (definite length, n digits of length) and
// `#0<bytes>` (indefinite, ends with the message). Waveforms arrive this way; the payload may
// contain the termination byte, so stream framing must skip over it (see replyEnd).
import type { ArrayDataType } from '../../config/types.js';
import type { NumericArray } from '../driver.js';
import { bytesPerElement, typedArrayFromBytes } from '../typed-arrays.js';

const HASH = 0x23;
const ZERO = 0x30;

/** Where a block starts inside a reply, or -1: the first `#` followed by a digit. */
export function findBlockStart(reply: Buffer, from = 0): number {
  let at = reply.indexOf(HASH, from);
  while (at !== -1) {
    const next = reply[at + 1];
    if (next !== undefined && next >= ZERO && next <= ZERO + 9) return at;
    at = reply.indexOf(HASH, at + 1);
  }
  return -1;
}

export type BlockHeader =
  | { complete: true; definite: true; payloadStart: number; payloadLength: number }
  | { complete: true; definite: false; payloadStart: number }
  | { complete: false; needBytes: number }
  | { complete: true; invalid: true };

/** Reads a block header at `at` (which holds `#`). */
export function readBlockHeader(reply: Buffer, at: number): BlockHeader {
  if (reply.length < at + 2) return { complete: false, needBytes: at + 2 };
  const digits = reply[at + 1]! - ZERO;
  if (digits === 0) return { complete: true, definite: false, payloadStart: at + 2 };
  if (reply.length < at + 2 + digits) return { complete: false, needBytes: at + 2 + digits };
  let length = 0;
  for (let i = 0; i < digits; i++) {
    const d = reply[at + 2 + i]! - ZERO;
    if (d < 0 || d > 9) return { complete: true, invalid: true };
    length = length * 10 + d;
  }
  return { complete: true, definite: true, payloadStart: at + 2 + digits, payloadLength: length };
}

/**
 * Where a complete reply ends in a byte stream (index just past the termination), or how many
 * bytes are needed at least before it is worth looking again. Definite-length blocks are skipped
 * whole, so a termination byte inside binary data does not end the reply. An indefinite block
 * (`#0`) has no length, so on a byte stream it ends at the first termination; over VXI-11 and
 * HiSLIP the message END marks its end and any payload is safe.
 */
export function replyEnd(buffer: Buffer, termination: Buffer): { end: number } | { needBytes: number } {
  let from = 0;
  for (;;) {
    const term = buffer.indexOf(termination, from);
    const block = findBlockStart(buffer, from);
    if (block === -1 || (term !== -1 && term < block)) {
      return term === -1 ? { needBytes: buffer.length + 1 } : { end: term + termination.length };
    }
    const header = readBlockHeader(buffer, block);
    if (!header.complete) return { needBytes: header.needBytes };
    if ('invalid' in header || !header.definite) {
      from = block + 1;
      continue;
    }
    const after = header.payloadStart + header.payloadLength;
    if (buffer.length < after) return { needBytes: after + 1 };
    from = after;
  }
}

export class BinaryBlockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BinaryBlockError';
  }
}


/** The payload bytes of the block in a reply (trailing termination ignored). */
export function blockPayload(reply: Buffer): Buffer {
  const at = findBlockStart(reply);
  if (at === -1) throw new BinaryBlockError('reply holds no IEEE 488.2 block (#<n><length><data>)');
  const header = readBlockHeader(reply, at);
  if (!header.complete || 'invalid' in header) throw new BinaryBlockError('reply has a malformed IEEE 488.2 block header');
  if (!header.definite) {
    // Indefinite block: data up to the end of the message, minus the final newline the standard requires.
    let end = reply.length;
    if (end > header.payloadStart && reply[end - 1] === 0x0a) end -= 1;
    return reply.subarray(header.payloadStart, end);
  }
  const end = header.payloadStart + header.payloadLength;
  if (reply.length < end) throw new BinaryBlockError(`IEEE 488.2 block announces ${header.payloadLength} bytes but only ${reply.length - header.payloadStart} arrived`);
  return reply.subarray(header.payloadStart, end);
}

/** Decodes block payload bytes into a typed array of the given element type and byte order. */
export function decodeBlock(payload: Buffer, dataType: ArrayDataType, littleEndian = true): NumericArray {
  const size = bytesPerElement(dataType);
  if (payload.length % size !== 0) {
    throw new BinaryBlockError(`block of ${payload.length} bytes is not a whole number of ${dataType} values (${size} bytes each)`);
  }
  const count = payload.length / size;
  if (littleEndian || size === 1) return typedArrayFromBytes(payload, dataType, count);
  // Big-endian: swap a copy (never the caller's bytes), then read it as little-endian.
  const swapped = Buffer.from(payload);
  if (size === 2) swapped.swap16();
  else if (size === 4) swapped.swap32();
  else swapped.swap64();
  return typedArrayFromBytes(swapped, dataType, count);
}

/** Encodes bytes as a definite-length block `#<n><len><bytes>` (used by simulators and tests). */
export function encodeBlock(payload: Uint8Array): Buffer {
  const len = String(payload.length);
  return Buffer.concat([Buffer.from(`#${len.length}${len}`, 'latin1'), payload]);
}
