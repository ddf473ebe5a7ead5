// The `sim:` section of an instrument configuration, read into typed settings. The section is
// validated by the config schema; this reader only picks known fields and applies defaults, so
// a hand-built configuration without a `sim:` section still simulates sensibly.

export type WaveformShape = 'sine' | 'ramp' | 'square' | 'noise';

/** How one output port is simulated. Scalars: `from` × `gain` + `offset` (or `value` + `offset`) + noise. */
export interface SimOutputModel {
  value?: number | string | boolean;
  from?: string;
  gain: number;
  offset: number;
  noise: number;
  shape: WaveformShape;
  points?: number;
  amplitude: number;
  /** Hz, with samples `1 / sampleRate` apart. */
  frequency: number;
  sampleRate: number;
}

export interface SimCommandModel {
  delayMs?: number;
  /** Blocks the worker's event loop this long (simulates a hung driver; for tests). */
  busyMs?: number;
  /** Makes the command fail with this message. */
  fail?: string;
}

export interface SimModel {
  seed: number;
  delayMs: number;
  waveformPoints: number;
  identity?: string;
  failConnect?: string;
  connectDelayMs: number;
  outputs: Record<string, SimOutputModel>;
  commands: Record<string, SimCommandModel>;
}

type Section = Record<string, unknown>;

function num(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function optionalNum(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function asSection(value: unknown): Section {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Section) : {};
}

function readOutput(raw: Section): SimOutputModel {
  const shape = raw['shape'];
  const value = raw['value'];
  return {
    value: typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean' ? value : undefined,
    from: optionalString(raw['from']),
    gain: num(raw['gain'], 1),
    offset: num(raw['offset'], 0),
    noise: num(raw['noise'], 0),
    shape: shape === 'ramp' || shape === 'square' || shape === 'noise' ? shape : 'sine',
    points: optionalNum(raw['points']),
    amplitude: num(raw['amplitude'], 1),
    frequency: num(raw['frequency'], 1000),
    sampleRate: num(raw['sample_rate'], 1e6),
  };
}

export function readSimModel(section: Record<string, unknown> | undefined): SimModel {
  const raw = asSection(section);
  const outputs: Record<string, SimOutputModel> = {};
  for (const [port, model] of Object.entries(asSection(raw['outputs']))) outputs[port] = readOutput(asSection(model));
  const commands: Record<string, SimCommandModel> = {};
  for (const [verb, model] of Object.entries(asSection(raw['commands']))) {
    const entry = asSection(model);
    commands[verb] = { delayMs: optionalNum(entry['delay_ms']), busyMs: optionalNum(entry['busy_ms']), fail: optionalString(entry['fail']) };
  }
  return {
    seed: num(raw['seed'], 1),
    delayMs: num(raw['delay_ms'], 0),
    waveformPoints: Math.max(1, Math.floor(num(raw['waveform_points'], 1000))),
    identity: optionalString(raw['identity']),
    failConnect: optionalString(raw['fail_connect']),
    connectDelayMs: num(raw['connect_delay_ms'], 0),
    outputs,
    commands,
  };
}
