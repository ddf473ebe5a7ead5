// Errors callers can tell apart. Command failures are not thrown: `Instrument.execute` resolves
// them as `{ ok: false, error }` so one failing command never breaks a job's promise chain.

/** An instrument could not be started (driver selection, connect, startup sequence, worker exit). */
export class InstrumentStartError extends Error {
  override name = 'InstrumentStartError';
  constructor(readonly instrument: string, message: string) {
    super(message);
  }
}

/** A second instrument with a name that is already started. */
export class InstrumentExistsError extends Error {
  override name = 'InstrumentExistsError';
  constructor(readonly instrument: string) {
    super(`Instrument ${instrument} is already started`);
  }
}

/** A name that no started instrument has. */
export class UnknownInstrumentError extends Error {
  override name = 'UnknownInstrumentError';
  constructor(readonly instrument: string) {
    super(`Instrument ${instrument} is not started`);
  }
}
