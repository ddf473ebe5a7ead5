// Large arrays (waveforms) cross the process boundary as raw little-endian bytes in a file under
// /dev/shm instead of as JSON numbers: the worker writes the file, the instrument side reads and
// unlinks it. Both halves live here so the file format is declared once.
import { accessSync, constants, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { ArrayDataType } from '../config/types.js';
import type { NumericArray } from '../drivers/driver.js';
import { bytesPerElement, typedArrayFromBytes } from '../drivers/typed-arrays.js';

const FILE_PREFIX = 'instrument-server-array-';

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
    return typedArrayFromBytes(bytes, dataType, count);
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
