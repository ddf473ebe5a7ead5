// Between a command as the scheduler sent it (values in script units) and the driver (values in
// instrument units): io_config scaling of `io:` parameters and numeric outputs, channel
// parameter, template rendering, timeout.
import type { BoundParams, CommandSpec, LoadedInstrument, ParamValue } from '../config/types.js';
import { renderTemplate } from '../config/template.js';
import { toRawValue, fromRawValue } from '../config/io-scaling.js';
import type { DriverCommand, NumericArray } from '../drivers/driver.js';
import type { WireCommand } from './protocol.js';
import type { ConvertedValue } from './reply-conversion.js';

export const DEFAULT_TIMEOUT_MS = 5000;

/** The io port a parameter or output refers to, as named in io_config (channel ports expanded). */
export function portName(instrument: LoadedInstrument, spec: CommandSpec, name: string, channel: number | undefined): string {
  if (spec.channelGroup !== undefined && channel !== undefined) {
    const expanded = `${spec.channelGroup}${channel}_${name}`;
    if (instrument.api.io.some((port) => port.name === expanded)) return expanded;
  }
  return name;
}

function hasScaling(instrument: LoadedInstrument, port: string): boolean {
  const entry = instrument.config.ioConfig[port];
  return entry !== undefined && (entry.scale !== 1 || entry.offset !== 0);
}

export function commandTimeoutMs(instrument: LoadedInstrument, spec: CommandSpec | undefined, command: WireCommand): number {
  return command.timeoutMs ?? spec?.timeoutMs ?? instrument.config.connection.timeoutMs ?? DEFAULT_TIMEOUT_MS;
}

/** Builds the driver's view of a command; throws (TemplateError etc.) when it cannot be rendered. */
export function prepareCommand(instrument: LoadedInstrument, spec: CommandSpec, command: WireCommand): DriverCommand {
  const channel = command.channel ?? channelFromParams(spec, command.params);
  let params: BoundParams = command.params;
  for (const parameter of spec.parameters) {
    const value = params[parameter.name];
    if (parameter.io === undefined || value === undefined) continue;
    const port = portName(instrument, spec, parameter.io, channel);
    if (!hasScaling(instrument, port)) continue;
    if (params === command.params) params = { ...command.params };
    params[parameter.name] = rawOf(instrument, port, value);
  }
  if (channel !== undefined && spec.channelParameter !== undefined && params[spec.channelParameter] === undefined) {
    params = { ...params, [spec.channelParameter]: channel };
  }
  const prepared: DriverCommand = {
    id: command.id,
    verb: command.verb,
    spec,
    params,
    text: renderTemplate(spec, params, channel),
    expectsResponse: spec.query,
    timeoutMs: commandTimeoutMs(instrument, spec, command),
  };
  if (channel !== undefined) prepared.channel = channel;
  return prepared;
}

function rawOf(instrument: LoadedInstrument, port: string, value: ParamValue): ParamValue {
  if (typeof value === 'number') return toRawValue(instrument, port, value);
  if (Array.isArray(value)) return value.map((element) => toRawValue(instrument, port, element));
  return value;
}

function channelFromParams(spec: CommandSpec, params: BoundParams): number | undefined {
  if (spec.channelParameter === undefined) return undefined;
  const value = params[spec.channelParameter];
  return typeof value === 'number' ? value : undefined;
}

/** Applies io_config scale/offset of the command's first output to a numeric reply. */
export function scaleOutput(instrument: LoadedInstrument, spec: CommandSpec, channel: number | undefined, value: ConvertedValue): ConvertedValue {
  const output = spec.outputs[0];
  if (output === undefined) return value;
  const port = portName(instrument, spec, output, channel);
  if (!hasScaling(instrument, port)) return value;
  if (value.type === 'double') return { type: 'double', value: fromRawValue(instrument, port, value.value) };
  if (value.type === 'int64') return { type: 'int64', value: fromRawValue(instrument, port, value.value) };
  if (value.type === 'array') {
    const data = value.data as ArrayLike<number | bigint>;
    // The scaling is linear: read offset and scale once instead of calling per sample.
    const offset = fromRawValue(instrument, port, 0);
    const scale = (fromRawValue(instrument, port, 1)) - offset;
    const scaled = new Float64Array(data.length);
    for (let i = 0; i < data.length; i++) scaled[i] = Number(data[i]) * scale + offset;
    return { type: 'array', dataType: 'float64', data: scaled as NumericArray };
  }
  return value;
}
