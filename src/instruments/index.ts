// Instruments on the server side: one Instrument per started instrument, each owning a worker
// process, and the registry that finds them by name.
export { Instrument } from './instrument.js';
export type { InstrumentCommand, InstrumentOptions, InstrumentStats, InstrumentStatus, InstrumentEvents, RestartPolicy } from './instrument.js';
export type { CommandOutcome, CommandValue } from './command-value.js';
export { formatCommandValue } from './command-value.js';
export { InstrumentRegistry } from './registry.js';
export { InstrumentStartError, InstrumentExistsError, UnknownInstrumentError } from './errors.js';
