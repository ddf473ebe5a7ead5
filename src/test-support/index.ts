// Small helpers shared by tests: temp folders, event waits, process checks, a simulated instrument.
export { makeTempDir, type TempDir } from './temp-dir.js';
export { nextEvent, readToEnd, waitForLine } from './events.js';
export { processExists, childPids } from './processes.js';
export { simInstrument, simApi, type SimInstrumentOptions } from './sim-instrument.js';
