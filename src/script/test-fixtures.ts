// Test fixtures for the script runtime alone: instruments built in code and a ScriptHost that
// records what a script did and answers its waits from memory (no scheduler, no workers).
import type { CommandSpec, LoadedInstrument, ParameterSpec } from '../config/types.js';
import type { LogLine, ReturnValue } from '../results/types.js';
import type { RejectedCall, ScriptCall, ScriptHost, WaitValue } from './types.js';

function command(verb: string, parameters: ParameterSpec[], returns: CommandSpec['returns'], extra: Partial<CommandSpec> = {}): CommandSpec {
  return { verb, template: verb, parameters, outputs: [], returns, query: returns !== 'void', ...extra };
}

function instrument(name: string, commands: CommandSpec[], channels?: { group: string; min: number; max: number }): LoadedInstrument {
  return {
    config: {
      name,
      apiPath: `/virtual/${name}.yaml`,
      configPath: '',
      connection: { type: 'VISA', address: `sim://${name}`, options: {}, custom: {} },
      startup: { initCommands: [], delayMs: 0 },
      ioConfig: {},
    },
    api: {
      apiVersion: '1.0',
      instrument: { vendor: 'Test', model: name, identifier: name },
      protocol: { type: 'VISA' },
      io: [],
      channelGroups: channels
        ? [{ name: channels.group, parameter: { name: 'channel', type: 'int', min: channels.min, max: channels.max }, ioTypes: [] }]
        : [],
      commands: Object.fromEntries(commands.map((c) => [c.verb, c])),
      sourcePath: `/virtual/${name}.yaml`,
    },
  };
}

const float = (name: string, min?: number, max?: number): ParameterSpec => ({ name, type: 'float', required: true, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) });

/** DAC1 (4 channels), DMM1 and SCOPE1, covering every parameter and return type. */
export function testInstruments(): Map<string, LoadedInstrument> {
  const dac = instrument('DAC1', [
    command('SET_VOLTAGE', [float('voltage', -10, 10)], 'void', { channelGroup: 'outputs', channelParameter: 'channel' }),
    command('GET_VOLTAGE', [], 'double', { channelGroup: 'outputs', channelParameter: 'channel' }),
    command('RESET', [], 'void'),
  ], { group: 'outputs', min: 1, max: 4 });
  const dmm = instrument('DMM1', [
    command('MEASURE_CURRENT', [], 'double'),
    command('MEASURE_VOLTAGE', [], 'double'),
    command('SET_RANGE', [{ name: 'range', type: 'int', required: true, min: 1, max: 5 }], 'void'),
    command('CONFIGURE', [
      { name: 'mode', type: 'string', required: true },
      { name: 'nplc', type: 'float', required: false, default: 1 },
      { name: 'auto_zero', type: 'bool', required: false },
    ], 'void'),
    command('GET_COUNT', [], 'int64'),
    command('IDN', [], 'string'),
    command('IS_READY', [], 'bool'),
    command('GET_TRACE', [], 'array'),
    command('LOAD_TABLE', [{ name: 'points', type: 'array', required: true, min: -1, max: 1 }], 'void'),
  ]);
  const scope = instrument('SCOPE1', [
    command('SET_TIMEBASE', [float('timebase', 1e-9, 10)], 'void'),
    command('GET_WAVEFORM', [], 'array', { channelGroup: 'inputs', channelParameter: 'channel', arrayDataType: 'float32' }),
  ], { group: 'inputs', min: 1, max: 2 });
  return new Map([dac, dmm, scope].map((i) => [i.config.name, i]));
}

type Event =
  | { type: 'call'; calls: ScriptCall[] }
  | { type: 'rejected'; call: RejectedCall }
  | { type: 'parallelBegin' }
  | { type: 'parallelEnd' }
  | { type: 'wait'; index: number }
  | { type: 'barrier' }
  | { type: 'fetch'; bufferId: string };

/**
 * Records everything and completes each call at once with `reply(call)` (default: void).
 * `hold()` keeps waits pending until `release()`, for tests that watch the script block.
 */
export class RecordingHost implements ScriptHost {
  readonly events: Event[] = [];
  readonly calls: ScriptCall[] = [];
  readonly rejections: RejectedCall[] = [];
  readonly logs: LogLine[] = [];
  private held: Array<() => void> | undefined;

  constructor(
    private readonly reply: (call: ScriptCall) => ReturnValue | { error: string } = () => ({ type: 'void' }),
    private readonly buffers: Record<string, number[]> = {},
  ) {}

  call(calls: ScriptCall[]): void {
    this.events.push({ type: 'call', calls: [...calls] });
    this.calls.push(...calls);
  }
  rejected(call: RejectedCall): void {
    this.events.push({ type: 'rejected', call });
    this.rejections.push(call);
  }
  parallelBegin(): void {
    this.events.push({ type: 'parallelBegin' });
  }
  parallelEnd(): void {
    this.events.push({ type: 'parallelEnd' });
  }
  wait(index: number): Promise<WaitValue> {
    this.events.push({ type: 'wait', index });
    const answer = (): WaitValue => {
      const call = this.calls.find((c) => c.index === index);
      if (!call) return { ok: false, error: `no call #${index}` };
      const r = this.reply(call);
      return 'error' in r ? { ok: false, error: r.error } : { ok: true, value: r };
    };
    if (this.held) {
      const held = this.held;
      return new Promise((resolve) => held.push(() => resolve(answer())));
    }
    return Promise.resolve(answer());
  }
  barrier(): Promise<void> {
    this.events.push({ type: 'barrier' });
    return Promise.resolve();
  }
  fetchBuffer(bufferId: string): Promise<number[]> {
    this.events.push({ type: 'fetch', bufferId });
    const values = this.buffers[bufferId];
    return values ? Promise.resolve(values) : Promise.reject(new Error(`unknown buffer ${bufferId}`));
  }
  log(line: LogLine): void {
    this.logs.push(line);
  }

  hold(): void {
    this.held ??= [];
  }
  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const resolve of held) resolve();
  }
  /** Resolves once the script has asked for a wait (or barrier/fetch). */
  waitedFor(): number {
    return this.events.filter((e) => e.type === 'wait').length;
  }
  /** The order of host calls, as short strings, for ordering assertions. */
  trace(): string[] {
    return this.events.map((e) => {
      switch (e.type) {
        case 'call': return `call ${e.calls.map((c) => c.index).join(',')}`;
        case 'rejected': return `rejected ${e.call.index}`;
        case 'wait': return `wait ${e.index}`;
        case 'fetch': return `fetch ${e.bufferId}`;
        default: return e.type;
      }
    });
  }
}
