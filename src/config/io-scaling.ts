// io_config scaling (SPEC part 5): the value a script sees is raw × scale + offset, where raw is
// what the instrument reads or is sent. A port without io_config is not scaled.
import type { LoadedInstrument } from './types.js';

/** Script value → value sent to the instrument: (value − offset) / scale. */
export function toRawValue(instrument: LoadedInstrument, port: string, value: number): number {
  const entry = instrument.config.ioConfig[port];
  if (!entry || (entry.scale === 1 && entry.offset === 0)) return value;
  return (value - entry.offset) / entry.scale;
}

/** Instrument reading → value seen by scripts: raw × scale + offset. */
export function fromRawValue(instrument: LoadedInstrument, port: string, raw: number): number {
  const entry = instrument.config.ioConfig[port];
  if (!entry || (entry.scale === 1 && entry.offset === 0)) return raw;
  return raw * entry.scale + entry.offset;
}
