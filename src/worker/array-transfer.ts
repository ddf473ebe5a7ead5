// Large arrays (waveforms) cross the process boundary as raw little-endian bytes in a file under
// /dev/shm instead of as JSON numbers: the worker writes the file, the instrument side reads and
// unlinks it. Both halves live here so the file format is declared once.
import { accessSync, constants, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { ArrayDataType } from '../config/types.js';
import type { NumericArray } from '../drivers/driver.js';

const FILE_PREFIX = 'instrument-server-array-';

const BYTES_PER_ELEMENT: Record<ArrayDataType, number> = {
  float64: 8, float32: 4, int64: 8, uint64: 8, int32: 4, uint32: 4, int16: 2, uint16: 2, int8: 1, uint8: 1,
};

export function bytesPerElement(dataType: ArrayDataType): number {
  return BYTES_PER_ELEMENT[dataType];
}

let directory: string | undefined;

/** /dev/shm when it is there and writable (RAM-backed), otherwise the system temp folder. */
export function arrayTransferDirectory(): string {
  if (directory === undefined) {
    try {
      accessSync('/dev/shm', constants.W_OK);
      directory = '/dev/shm';
    } catch {
      directory = tmpdir();
    }
  }
  return directory;
}

/** The typed array a data type is stored as (64-bit integers as BigInt arrays). */
export function toTypedArray(data: NumericArray, dataType: ArrayDataType): Exclude<NumericArray, number[]> {
  const Type = typedArrayClass(dataType);
  if (data instanceof Type) return data as Exclude<NumericArray, number[]>;
  if (dataType === 'int64' || dataType === 'uint64') {
    return (Type as BigInt64ArrayConstructor).from(Array.from(data as ArrayLike<number | bigint>, (x) => BigInt(Math.round(Number(x)))));
  }
  return (Type as Float64ArrayConstructor).from(Array.from(data as ArrayLike<number | bigint>, Number));
}

function typedArrayClass(dataType: ArrayDataType) {
  switch (dataType) {
    case 'float64': return Float64Array;
    case 'float32': return Float32Array;
    case 'int64': return BigInt64Array;
    case 'uint64': return BigUint64Array;
    case 'int32': return Int32Array;
    case 'uint32': return Uint32Array;
    case 'int16': return Int16Array;
    case 'uint16': return Uint16Array;
    case 'int8': return Int8Array;
    case 'uint8': return Uint8Array;
  }
}

let sequence = 0;

/** Writes the array to a new transfer file and returns its path (worker side). */
export function writeArrayFile(data: Exclude<NumericArray, number[]>): string {
  const path = join(arrayTransferDirectory(), `${FILE_PREFIX}${process.pid}-${++sequence}.bin`);
  writeFileSync(path, new Uint8Array(data.buffer, data.byteOffset, data.byteLength), { mode: 0o600 });
  return path;
}

/** Whether a path names a transfer file (anything else in a message is refused, never unlinked). */
export function isArrayTransferFile(path: string): boolean {
  return dirname(path) === arrayTransferDirectory() && basename(path).startsWith(FILE_PREFIX) && path.endsWith('.bin');
}

/** Reads a transfer file into a typed array and removes it (instrument side). */
export function readArrayFile(path: string, count: number, dataType: ArrayDataType): Exclude<NumericArray, number[]> {
  if (!isArrayTransferFile(path)) throw new Error(`refusing array transfer file outside ${arrayTransferDirectory()}: ${path}`);
  try {
    const bytes = readFileSync(path);
    const size = bytesPerElement(dataType);
    if (bytes.byteLength !== count * size) throw new Error(`array transfer file ${path} has ${bytes.byteLength} bytes, expected ${count * size}`);
    // Use the file's buffer when it is ours alone; otherwise copy into an aligned buffer.
    let aligned = bytes.buffer as ArrayBuffer;
    if (bytes.byteOffset !== 0 || aligned.byteLength !== bytes.byteLength) {
      aligned = new ArrayBuffer(bytes.byteLength);
      new Uint8Array(aligned).set(bytes);
    }
    const Type = typedArrayClass(dataType) as unknown as new (buffer: ArrayBuffer) => Exclude<NumericArray, number[]>;
    return new Type(aligned);
  } finally {
    removeArrayFile(path);
  }
}

export function removeArrayFile(path: string): void {
  if (!isArrayTransferFile(path)) return;
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
