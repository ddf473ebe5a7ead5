// A small simulated instrument built in code (no YAML), for tests and benchmarks: a DMM-like
// device with a setting, a measured output, a waveform, an identity query and a channel group.
import type { ApiDefinition, CommandSpec, LoadedInstrument } from '../config/types.js';

export interface SimInstrumentOptions {
  name?: string;
  sim?: Record<string, unknown>;
  timeoutMs?: number;
  ioConfig?: LoadedInstrument['config']['ioConfig'];
  initCommands?: string[];
  delayMs?: number;
  address?: string;
  /** Extra or replaced commands. */
  commands?: Record<string, Partial<CommandSpec>>;
}

function command(verb: string, spec: Partial<CommandSpec>): CommandSpec {
  return { verb, template: verb, parameters: [], outputs: [], returns: 'void', query: false, ...spec };
}

export function simApi(extra: Record<string, Partial<CommandSpec>> = {}): ApiDefinition {
  const commands: Record<string, CommandSpec> = {
    IDN: command('IDN', { template: '*IDN?', returns: 'string', query: true }),
    RESET: command('RESET', { template: '*RST' }),
    SET_RANGE: command('SET_RANGE', { template: 'VOLT:RANG {range}', parameters: [{ name: 'range', type: 'float', required: true, io: 'range' }] }),
    GET_RANGE: command('GET_RANGE', { template: 'VOLT:RANG?', outputs: ['range'], returns: 'double', query: true }),
    MEASURE: command('MEASURE', { template: 'MEAS:VOLT?', outputs: ['voltage'], returns: 'double', query: true }),
    COUNT: command('COUNT', { template: 'COUNT?', outputs: ['counter'], returns: 'int64', query: true }),
    GET_WAVEFORM: command('GET_WAVEFORM', { template: 'WAV:DATA?', outputs: ['waveform'], returns: 'array', arrayDataType: 'float64', query: true }),
    SET_VOLTAGE: command('SET_VOLTAGE', {
      template: 'SOUR{channel}:VOLT {voltage}',
      channelGroup: 'out',
      channelParameter: 'channel',
      parameters: [{ name: 'channel', type: 'int', required: true, min: 1, max: 4 }, { name: 'voltage', type: 'float', required: true, io: 'voltage' }],
    }),
    GET_VOLTAGE: command('GET_VOLTAGE', {
      template: 'SOUR{channel}:VOLT?',
      channelGroup: 'out',
      channelParameter: 'channel',
      parameters: [{ name: 'channel', type: 'int', required: true, min: 1, max: 4 }],
      outputs: ['voltage'],
      returns: 'double',
      query: true,
    }),
  };
  for (const [verb, spec] of Object.entries(extra)) commands[verb] = command(verb, { ...commands[verb], ...spec });
  const io: ApiDefinition['io'] = [
    { name: 'range', type: 'float', role: 'setting', unit: 'V' },
    { name: 'voltage', type: 'float', role: 'output', unit: 'V' },
    { name: 'counter', type: 'int', role: 'output' },
    { name: 'waveform', type: 'array', role: 'output', unit: 'V' },
  ];
  for (let channel = 1; channel <= 4; channel++) {
    io.push({ name: `out${channel}_voltage`, type: 'float', role: 'setting', unit: 'V', channelGroup: 'out', channel, suffix: 'voltage' });
  }
  return {
    apiVersion: '1.0',
    instrument: { vendor: 'ACME', model: 'SIM1', identifier: 'sim1' },
    protocol: { type: 'VISA' },
    io,
    channelGroups: [{
      name: 'out',
      parameter: { name: 'channel', type: 'int', min: 1, max: 4 },
      ioTypes: [{ suffix: 'voltage', type: 'float', role: 'setting', unit: 'V' }],
    }],
    commands,
    sourcePath: '/virtual/sim1.yaml',
  };
}

export function simInstrument(options: SimInstrumentOptions = {}): LoadedInstrument {
  const connection: LoadedInstrument['config']['connection'] = { type: 'VISA', address: options.address ?? 'sim://test', options: {}, custom: {} };
  if (options.timeoutMs !== undefined) connection.timeoutMs = options.timeoutMs;
  const config: LoadedInstrument['config'] = {
    name: options.name ?? 'DMM1',
    apiPath: '/virtual/sim1.yaml',
    configPath: '',
    connection,
    startup: { initCommands: options.initCommands ?? [], delayMs: options.delayMs ?? 0 },
    ioConfig: options.ioConfig ?? {},
  };
  if (options.sim !== undefined) config.sim = options.sim;
  return { config, api: simApi(options.commands) };
}
