// Loads an instrument API definition (the YAML format of the C++ original) and turns it into the
// normalised ApiDefinition every other part reads: type spellings unified, channel groups expanded,
// `io:` parameters filled in from their ports, return types and query flags decided once here.
import { resolve } from 'node:path';
import type { ApiDefinition, ArrayDataType, ChannelGroup, CommandSpec, IoPort, ParameterSpec, ParamValue, ReturnType } from './types.js';
import { ConfigError } from './errors.js';
import { readYamlFile, type YamlFile } from './yaml-file.js';
import { normaliseReturnType, normaliseValueType, returnTypeOf } from './value-types.js';
import { mergePorts } from './channel-groups.js';
import { apiFileProblems } from './api-checks.js';

/** Reads, validates (schema and cross-checks) and normalises an API definition file. */
export function loadApiDefinition(path: string): ApiDefinition {
  const absolute = resolve(path);
  const file = readYamlFile(absolute, 'API definition');
  const problems = apiFileProblems(file);
  if (problems.length > 0) throw new ConfigError(absolute, problems, 'API definition');
  return normaliseApiDefinition(file);
}

type Raw = Record<string, any>;

/** Builds the ApiDefinition from a file whose shape the schema has already accepted. */
export function normaliseApiDefinition(file: YamlFile): ApiDefinition {
  const raw = (file.data ?? {}) as Raw;
  const instrument: ApiDefinition['instrument'] = {
    vendor: String(raw.instrument?.vendor ?? ''),
    model: String(raw.instrument?.model ?? ''),
    identifier: String(raw.instrument?.identifier ?? ''),
  };
  const description = raw.instrument?.description ?? raw.instrument?.desc;
  if (description !== undefined) instrument.description = String(description);
  const firmware = raw.instrument?.firmware_version ?? raw.firmware_version;
  if (firmware !== undefined) instrument.firmwareVersion = String(firmware);

  const protocol: ApiDefinition['protocol'] = { type: String(raw.protocol?.type ?? 'VISA') };
  if (raw.protocol?.name !== undefined) protocol.name = String(raw.protocol.name);
  const { type: _type, name: _name, ...protocolRest } = (raw.protocol ?? {}) as Raw;
  const protocolConfig = raw.protocol?.config ?? (Object.keys(protocolRest).length > 0 ? protocolRest : undefined);
  if (protocolConfig !== undefined) protocol.config = protocolConfig;

  const channelGroups = asArray(raw.channel_groups).map(normaliseChannelGroup);
  const io = mergePorts(asArray(raw.io).map(normalisePort), channelGroups);
  const commands: Record<string, CommandSpec> = {};
  for (const [verb, command] of Object.entries((raw.commands ?? {}) as Record<string, Raw>)) {
    commands[verb] = normaliseCommand(verb, command ?? {}, io, channelGroups);
  }
  return {
    apiVersion: String(raw.api_version ?? ''),
    instrument,
    protocol,
    io,
    channelGroups,
    commands,
    sourcePath: file.path,
  };
}

function asArray(value: unknown): Raw[] {
  return Array.isArray(value) ? (value as Raw[]) : [];
}

function valueType(spelling: unknown): ParameterSpec['type'] {
  return normaliseValueType(String(spelling ?? 'float')) ?? 'float';
}

function elementType(spelling: unknown): ArrayDataType {
  return /^array<int(eger)?>$/i.test(String(spelling ?? '').trim()) ? 'int32' : 'float64';
}

function normalisePort(raw: Raw): IoPort {
  const port: IoPort = { name: String(raw.name), type: valueType(raw.type), role: String(raw.role ?? 'setting') };
  if (raw.unit !== undefined) port.unit = String(raw.unit);
  if (raw.description !== undefined) port.description = String(raw.description);
  if (port.type === 'array') port.arrayDataType = elementType(raw.type);
  return port;
}

function normaliseChannelGroup(raw: Raw): ChannelGroup {
  const parameter = (raw.channel_parameter ?? {}) as Raw;
  const group: ChannelGroup = {
    name: String(raw.name),
    parameter: {
      name: String(parameter.name ?? 'channel'),
      type: valueType(parameter.type ?? 'int'),
      min: Number(parameter.min ?? 1),
      max: Number(parameter.max ?? 1),
    },
    ioTypes: asArray(raw.io_types).map((kind) => {
      const entry: ChannelGroup['ioTypes'][number] = { suffix: String(kind.suffix), type: valueType(kind.type), role: String(kind.role ?? 'setting') };
      if (kind.unit !== undefined) entry.unit = String(kind.unit);
      if (kind.description !== undefined) entry.description = String(kind.description);
      return entry;
    }),
  };
  if (raw.description !== undefined) group.description = String(raw.description);
  if (parameter.description !== undefined) group.parameter.description = String(parameter.description);
  return group;
}

/**
 * The port a command refers to by `name`: an explicit or expanded port, or — for a channel
 * command — one of its group's IO kinds by suffix (`waveform` in GET_WAVEFORM on `analog`).
 */
export function findCommandPort(name: string, ports: IoPort[], group: ChannelGroup | undefined): IoPort | undefined {
  const exact = ports.find((port) => port.name === name);
  if (exact) return exact;
  if (!group) return undefined;
  return ports.find((port) => port.channelGroup === group.name && port.suffix === name);
}

function normaliseParameter(raw: Raw, ports: IoPort[], group: ChannelGroup | undefined): ParameterSpec {
  const port = raw.io !== undefined ? findCommandPort(String(raw.io), ports, group) : undefined;
  const name = String(raw.name ?? raw.io);
  const parameter: ParameterSpec = {
    name,
    type: raw.type !== undefined ? valueType(raw.type) : port?.type ?? 'float',
    required: raw.required === false || raw.default !== undefined ? false : true,
  };
  const unit = raw.unit ?? port?.unit;
  if (unit !== undefined) parameter.unit = String(unit);
  if (typeof raw.min === 'number') parameter.min = raw.min;
  if (typeof raw.max === 'number') parameter.max = raw.max;
  if (raw.default !== undefined) parameter.default = raw.default as ParamValue;
  if (raw.io !== undefined) parameter.io = String(raw.io);
  const description = raw.description ?? port?.description;
  if (description !== undefined) parameter.description = String(description);
  return parameter;
}

function normaliseCommand(verb: string, raw: Raw, ports: IoPort[], groups: ChannelGroup[]): CommandSpec {
  const group = raw.channel_group !== undefined ? groups.find((g) => g.name === raw.channel_group) : undefined;
  const template = String(raw.template ?? '');
  const outputs = Array.isArray(raw.outputs) ? raw.outputs.map(String) : [];
  const parameters = asArray(raw.parameters).map((p) => normaliseParameter(p, ports, group));

  let returns: ReturnType = 'void';
  let arrayDataType: ArrayDataType | undefined;
  if (raw.returns !== undefined) {
    const declared = normaliseReturnType(String(raw.returns));
    if (declared) ({ returns, arrayDataType } = declared);
  } else if (outputs.length > 0) {
    const port = findCommandPort(outputs[0]!, ports, group);
    if (port) {
      ({ returns, arrayDataType } = returnTypeOf(port.type));
      if (port.type === 'array') arrayDataType = port.arrayDataType ?? 'float64';
    }
  }

  const command: CommandSpec = {
    verb,
    template,
    parameters,
    outputs,
    returns,
    query: isQuery(raw, template, outputs, returns),
  };
  if (raw.data_type !== undefined) command.blockDataType = String(raw.data_type) as ArrayDataType;
  if (returns === 'array') command.arrayDataType = command.blockDataType ?? arrayDataType ?? 'float64';
  if (raw.description !== undefined) command.description = String(raw.description);
  if (raw.channel_group !== undefined) {
    command.channelGroup = String(raw.channel_group);
    command.channelParameter = group?.parameter.name ?? 'channel';
  }
  if (typeof raw.timeout_ms === 'number') command.timeoutMs = raw.timeout_ms;
  return command;
}

/**
 * Whether a reply is read: `query: true`, a SCPI query (`...?`), or declared outputs. An explicit
 * `query: false` wins, and outputs of a command declared `returns: void` do not make it a query:
 * the original's SET_VOLTAGE_RANGE lists the port it sets as output, and reading a reply that
 * never comes would only time out.
 */
function isQuery(raw: Raw, template: string, outputs: string[], returns: ReturnType): boolean {
  if (raw.query === true) return true;
  if (raw.query === false) return false;
  if (template.trim().endsWith('?')) return true;
  return outputs.length > 0 && !(raw.returns !== undefined && returns === 'void');
}
