// The built-in simulator: answers every command of any API definition from the definition
// itself, so the whole server runs without hardware. Setters remember their values per channel,
// getters of settings return them, measured outputs follow the `sim:` model of the
// configuration (constant, linear in a remembered setting, seeded noise), array outputs are
// generated waveforms, and `*IDN?`-style queries return an identity.
import type { ArrayDataType, ChannelGroup, CommandSpec, IoPort, ParamValue, ReturnType } from '../../config/types.js';
import type { Driver, DriverCommand, DriverContext, DriverReply, DriverValue, NumericArray } from '../driver.js';
import { readSimModel, type SimModel, type SimOutputModel } from './model.js';
import { SeededRandom } from './random.js';

/** Roles whose value is whatever was last set (a getter reads it back). */
const REMEMBERED_ROLES = new Set(['setting', 'input', 'inout']);

interface PortView {
  /** Where its remembered value lives: `<channel>:<name>`. */
  key: string;
  role?: string;
  type?: string;
  /** Names under which `sim.outputs` may describe it (expanded name first). */
  modelNames: string[];
}

export class SimDriver implements Driver {
  private readonly model: SimModel;
  private readonly random: SeededRandom;
  private readonly remembered = new Map<string, ParamValue>();
  private readonly ports = new Map<string, IoPort>();
  private readonly groups = new Map<string, ChannelGroup>();
  private readonly writes: string[] = [];
  private connected = false;

  constructor(private readonly context: DriverContext) {
    this.model = readSimModel(context.config.sim);
    this.random = new SeededRandom(this.model.seed);
    for (const port of context.api.io) this.ports.set(port.name, port);
    for (const group of context.api.channelGroups) this.groups.set(group.name, group);
  }

  async connect(): Promise<void> {
    if (this.model.connectDelayMs > 0) await sleep(this.model.connectDelayMs);
    if (this.model.failConnect !== undefined) throw new Error(this.model.failConnect);
    this.connected = true;
  }

  async identify(): Promise<string> {
    if (this.model.identity !== undefined) return this.model.identity;
    const { instrument, apiVersion } = this.context.api;
    return `${instrument.vendor},${instrument.model},SIM0001,${apiVersion}`;
  }

  async write(text: string): Promise<void> {
    this.writes.push(text);
    if (this.writes.length > 100) this.writes.shift();
  }

  async execute(command: DriverCommand): Promise<DriverReply> {
    if (!this.connected) throw new Error('simulator is not connected');
    const perVerb = this.model.commands[command.verb];
    if (perVerb?.busyMs) busyWait(perVerb.busyMs);
    const delayMs = perVerb?.delayMs ?? this.model.delayMs;
    if (delayMs > 0) await sleep(delayMs);
    if (perVerb?.fail !== undefined) throw new Error(perVerb.fail);
    return this.answer(command);
  }

  async close(): Promise<void> {
    this.connected = false;
  }

  private answer(command: DriverCommand): DriverReply {
    const { spec } = command;
    const channel = this.channelOf(command);
    this.remember(spec, command.params, channel);
    if (/^\s*\*IDN/i.test(command.text)) return { value: this.model.identity ?? this.identityText() };

    const output = spec.outputs[0];
    if (output === undefined) return { value: spec.returns === 'void' ? null : defaultFor(spec.returns) };
    const port = this.portView(output, spec, channel);
    const model = port.modelNames.map((name) => this.model.outputs[name]).find((m) => m !== undefined);
    if (spec.returns === 'array' || port.type === 'array') return this.waveform(spec, model);
    if (spec.returns === 'void') return { value: null };
    const known = this.remembered.get(port.key);
    const isSetting = REMEMBERED_ROLES.has(port.role ?? '');
    // A setting reads back what was set; its model (if any) only gives the value before that.
    if (isSetting && known !== undefined) return { value: convert(known, spec.returns) };
    if (model) return { value: convert(this.scalar(model, spec, channel), spec.returns) };
    if (known !== undefined || isSetting) return { value: convert(known ?? defaultFor(spec.returns), spec.returns) };
    return { value: defaultFor(spec.returns) };
  }

  private identityText(): string {
    const { instrument, apiVersion } = this.context.api;
    return `${instrument.vendor},${instrument.model},SIM0001,${apiVersion}`;
  }

  private channelOf(command: DriverCommand): number | undefined {
    if (command.channel !== undefined) return command.channel;
    const group = command.spec.channelGroup ? this.groups.get(command.spec.channelGroup) : undefined;
    const value = group ? command.params[group.parameter.name] : undefined;
    return typeof value === 'number' ? value : undefined;
  }

  /** Remembers every parameter by name, and `io:` parameters also under their port. */
  private remember(spec: CommandSpec, params: Record<string, ParamValue>, channel: number | undefined): void {
    const group = spec.channelGroup ? this.groups.get(spec.channelGroup) : undefined;
    for (const [name, value] of Object.entries(params)) {
      if (group && name === group.parameter.name) continue;
      this.remembered.set(this.portView(name, spec, channel).key, value);
      const io = spec.parameters.find((p) => p.name === name)?.io;
      if (io !== undefined && io !== name) this.remembered.set(this.portView(io, spec, channel).key, value);
    }
  }

  private portView(name: string, spec: CommandSpec, channel: number | undefined): PortView {
    const group = spec.channelGroup ? this.groups.get(spec.channelGroup) : undefined;
    const kind = group?.ioTypes.find((t) => t.suffix === name);
    if (group && kind) {
      const expanded = `${group.name}${channel ?? ''}_${name}`;
      // A bare suffix names the channel's port unless a port of exactly that name exists.
      const modelNames = this.ports.has(name) ? [expanded] : [expanded, name];
      return { key: `${channel ?? 0}:${name}`, role: kind.role, type: kind.type, modelNames };
    }
    const port = this.ports.get(name);
    if (port?.channel !== undefined && port.suffix !== undefined) {
      return { key: `${port.channel}:${port.suffix}`, role: port.role, type: port.type, modelNames: [name, port.suffix] };
    }
    return { key: `${channel ?? 0}:${name}`, role: port?.role, type: port?.type, modelNames: [name] };
  }

  private scalar(model: SimOutputModel, spec: CommandSpec, channel: number | undefined): ParamValue {
    if (model.from === undefined && typeof model.value !== 'number' && model.value !== undefined) return model.value;
    let base = typeof model.value === 'number' ? model.value : 0;
    if (model.from !== undefined) {
      const source = this.remembered.get(this.portView(model.from, spec, channel).key) ?? this.remembered.get(`0:${model.from}`)
        ?? this.model.outputs[model.from]?.value;
      base = toNumber(source) * model.gain;
    }
    let value = base + model.offset;
    if (model.noise > 0) value += model.noise * this.random.gaussian();
    return value;
  }

  private waveform(spec: CommandSpec, model: SimOutputModel | undefined): DriverReply {
    const points = Math.max(1, Math.floor(model?.points ?? this.model.waveformPoints));
    const shape = model?.shape ?? 'sine';
    const amplitude = model?.amplitude ?? 1;
    const frequency = model?.frequency ?? 1000;
    const sampleRate = model?.sampleRate ?? 1e6;
    const offset = model?.offset ?? 0;
    const noise = model?.noise ?? 0;
    const data = new Float64Array(points);
    for (let i = 0; i < points; i++) {
      const phase = (frequency * i) / sampleRate;
      let y: number;
      switch (shape) {
        case 'ramp': y = amplitude * (2 * (phase - Math.floor(phase)) - 1); break;
        case 'square': y = phase - Math.floor(phase) < 0.5 ? amplitude : -amplitude; break;
        case 'noise': y = amplitude * this.random.gaussian(); break;
        default: y = amplitude * Math.sin(2 * Math.PI * phase);
      }
      data[i] = y + offset + (noise > 0 ? noise * this.random.gaussian() : 0);
    }
    const dataType: ArrayDataType = spec.arrayDataType ?? 'float64';
    return { value: castArray(data, dataType), dataType };
  }
}

function castArray(data: Float64Array, dataType: ArrayDataType): NumericArray {
  switch (dataType) {
    case 'float32': return Float32Array.from(data);
    case 'int32': return Int32Array.from(data, Math.round);
    case 'int16': return Int16Array.from(data, Math.round);
    case 'uint16': return Uint16Array.from(data, Math.round);
    case 'int8': return Int8Array.from(data, Math.round);
    case 'uint8': return Uint8Array.from(data, Math.round);
    case 'uint32': return Uint32Array.from(data, Math.round);
    default: return data;
  }
}

function defaultFor(returns: ReturnType): ParamValue {
  switch (returns) {
    case 'bool': return false;
    case 'string': return '';
    case 'array': return [];
    default: return 0;
  }
}

function isNumericText(text: string): boolean {
  const trimmed = text.trim();
  return !Number.isNaN(Number(trimmed)) || /^nan$/i.test(trimmed);
}

function toNumber(value: ParamValue | undefined): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    // 'NaN', 'Infinity' and '-Infinity' are meant (YAML .nan/.inf arrive as text over JSON).
    return isNumericText(value) ? Number(value.trim()) : 0;
  }
  return 0;
}

function convert(value: ParamValue, returns: ReturnType): DriverValue {
  // Text that is not a number is passed on as a real instrument would send it ("OVLD"), so the
  // worker's reply conversion reports it.
  if ((returns === 'double' || returns === 'int64') && typeof value === 'string' && !isNumericText(value)) return value;
  switch (returns) {
    case 'double': return toNumber(value);
    case 'int64': return Math.round(toNumber(value));
    case 'bool': return typeof value === 'string' ? value !== '' && value !== '0' : Boolean(toNumber(value));
    case 'string': return Array.isArray(value) ? value.join(',') : String(value);
    case 'array': return Array.isArray(value) ? value : [toNumber(value)];
    default: return null;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function busyWait(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) { /* deliberately blocks the event loop */ }
}
