// The started instruments of one server, by name. Not a singleton: each server (and each test)
// builds its own registry.
import type { LoadedInstrument } from '../config/types.js';
import { InstrumentExistsError, UnknownInstrumentError } from './errors.js';
import { Instrument, type InstrumentOptions, type InstrumentStatus } from './instrument.js';

export class InstrumentRegistry {
  private readonly instruments = new Map<string, Instrument>();
  /** Names being started, so two concurrent starts of one name cannot both succeed. */
  private readonly starting = new Set<string>();

  /** Starts an instrument's worker and registers it; a name already started or starting is refused. */
  async start(loaded: LoadedInstrument, options: InstrumentOptions = {}): Promise<Instrument> {
    const name = loaded.config.name;
    if (this.instruments.has(name) || this.starting.has(name)) throw new InstrumentExistsError(name);
    this.starting.add(name);
    try {
      const instrument = await Instrument.start(loaded, options);
      this.instruments.set(name, instrument);
      return instrument;
    } finally {
      this.starting.delete(name);
    }
  }

  has(name: string): boolean {
    return this.instruments.has(name);
  }

  get(name: string): Instrument | undefined {
    return this.instruments.get(name);
  }

  /** Like get, but an unknown name is an error naming it. */
  require(name: string): Instrument {
    const instrument = this.instruments.get(name);
    if (!instrument) throw new UnknownInstrumentError(name);
    return instrument;
  }

  /** Names of the started instruments, in start order. */
  list(): string[] {
    return [...this.instruments.keys()];
  }

  status(name: string): InstrumentStatus {
    return this.require(name).status();
  }

  async stop(name: string): Promise<void> {
    const instrument = this.require(name);
    this.instruments.delete(name);
    await instrument.stop();
  }

  async stopAll(): Promise<void> {
    const all = [...this.instruments.values()];
    this.instruments.clear();
    await Promise.all(all.map((instrument) => instrument.stop()));
  }
}
