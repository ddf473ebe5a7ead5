// `test`: start one instrument in its own worker, run one command, stop it. No daemon, no job.
import { bindCall, loadInstrument } from '../config/index.js';
import { Instrument, type InstrumentOptions } from '../instruments/instrument.js';
import { toNumberArray } from '../results/buffer-store.js';
import type { ReturnValue } from '../results/types.js';

export type OneCommandOutcome =
  | { ok: true; instrument: string; verb: string; value: ReturnValue; duration_ms: number }
  | { ok: false; instrument: string; verb: string; error: string };

/**
 * Runs `verb` once on the instrument of `configPath`. Parameters bind by name; `channel` (or the
 * group's channel parameter among `params`) addresses a channel. Never leaves a worker behind.
 */
export async function runOneCommand(
  configPath: string,
  verb: string,
  params: Record<string, unknown>,
  options: { cwd?: string; channel?: number; instrument?: InstrumentOptions } = {},
): Promise<OneCommandOutcome> {
  const loaded = loadInstrument(configPath, { cwd: options.cwd });
  const name = loaded.config.name;
  let bound;
  try {
    bound = bindCall(loaded, verb, { named: params }, options.channel);
  } catch (error) {
    return { ok: false, instrument: name, verb, error: (error as Error).message };
  }
  let instrument: Instrument;
  try {
    instrument = await Instrument.start(loaded, { restart: { enabled: false }, ...options.instrument });
  } catch (error) {
    return { ok: false, instrument: name, verb, error: (error as Error).message };
  }
  try {
    const outcome = await instrument.execute({ verb: bound.verb, params: bound.params, channel: bound.channel });
    if (!outcome.ok) return { ok: false, instrument: name, verb, error: outcome.error ?? `Instrument ${name}: command ${verb} failed` };
    const value = outcome.value;
    const recorded: ReturnValue = !value ? { type: 'void' } : value.type === 'array' ? { type: 'array', value: toNumberArray(value.data) } : value;
    return { ok: true, instrument: name, verb, value: recorded, duration_ms: outcome.finishedAt - outcome.startedAt };
  } finally {
    await instrument.stop();
  }
}
