// Binding a call to a command of the instrument's API: positional and named arguments become
// named parameters, the channel is placed under the group's channel parameter, defaults fill in,
// and every value is checked (type, min/max) before anything reaches a worker or hardware.
import type { BoundParams, CommandSpec, LoadedInstrument, ParamValue, ParameterSpec, ValueType } from './types.js';
import { ParameterError, quoteValue } from './errors.js';
import { templatePlaceholders } from './template.js';

export interface BoundCommand {
  verb: string;
  spec: CommandSpec;
  params: BoundParams;
  channel?: number;
}

export interface CallArguments {
  positional?: ParamValue[];
  named?: Record<string, unknown>;
}

/** Characters that end a SCPI command (or the message): a string value containing one would smuggle in another. */
const COMMAND_BREAK = /[\r\n\0;]/;

/** Binds and checks one call; throws ParameterError naming instrument, verb, parameter and limit. */
export function bindCall(instrument: LoadedInstrument, verb: string, args: CallArguments, channel?: number): BoundCommand {
  const name = instrument.config.name;
  const spec = instrument.api.commands[verb];
  if (!spec) throw new ParameterError(name, verb, `Instrument ${name}: unknown command ${verb}${suggest(verb, Object.keys(instrument.api.commands))}`);
  const prefix = `Instrument ${name}: command ${verb}`;
  const fail = (message: string, parameter?: string): never => {
    throw new ParameterError(name, verb, `${prefix}: ${message}`, parameter);
  };

  const named: Record<string, unknown> = { ...(args.named ?? {}) };
  const positional = args.positional ?? [];
  const params: BoundParams = {};

  // The channel: from the address (DAC1:2.VERB) or named as the group's parameter (or the group itself).
  let chosenChannel = channel;
  if (spec.channelGroup !== undefined) {
    const group = instrument.api.channelGroups.find((g) => g.name === spec.channelGroup);
    const parameterName = spec.channelParameter ?? group?.parameter.name ?? 'channel';
    for (const key of new Set([parameterName, spec.channelGroup])) {
      if (!(key in named)) continue;
      const value = named[key];
      delete named[key];
      if (typeof value !== 'number' || !Number.isInteger(value)) fail(`${channelLabel(key)} must be an integer, got ${describe(value)}`, parameterName);
      if (chosenChannel !== undefined && chosenChannel !== value) fail(`channel given twice: ${chosenChannel} in the address and ${key} = ${value}`, parameterName);
      chosenChannel = value as number;
    }
    const min = group?.parameter.min;
    const max = group?.parameter.max;
    if (chosenChannel === undefined) {
      const range = min !== undefined && max !== undefined ? ` ${min}..${max}` : '';
      fail(`needs a channel of group ${spec.channelGroup}${range}, e.g. ${name}:${min ?? 1}.${verb}`, parameterName);
    }
    if (!Number.isInteger(chosenChannel)) fail(`channel must be an integer, got ${chosenChannel}`, parameterName);
    if (min !== undefined && chosenChannel! < min) fail(`channel ${chosenChannel} is below the minimum ${min}`, parameterName);
    if (max !== undefined && chosenChannel! > max) fail(`channel ${chosenChannel} is above the maximum ${max}`, parameterName);
    params[parameterName] = chosenChannel!;
  } else if (channel !== undefined) {
    fail(`has no channels, but channel ${channel} was given (call it as ${name}.${verb})`);
  }

  if (positional.length > spec.parameters.length) {
    const takes = spec.parameters.length === 0 ? 'takes none' : `takes ${spec.parameters.length} (${spec.parameters.map((p) => p.name).join(', ')})`;
    fail(`too many arguments: ${positional.length} given, ${takes}`);
  }
  const declared = new Set(spec.parameters.map((p) => p.name));
  for (const key of Object.keys(named)) {
    if (!declared.has(key)) {
      const known = spec.parameters.length > 0 ? `parameters: ${[...declared].join(', ')}` : 'the command takes no parameters';
      fail(`unknown parameter ${key} (${known})`, key);
    }
  }

  spec.parameters.forEach((parameter, index) => {
    const hasPositional = index < positional.length;
    if (hasPositional && parameter.name in named) fail(`parameter ${parameter.name} given twice (by position and by name)`, parameter.name);
    let value: unknown = hasPositional ? positional[index] : named[parameter.name];
    if (value === undefined || value === null) {
      if (params[parameter.name] !== undefined) return; // the channel parameter, already bound above
      if (parameter.default !== undefined) {
        // Defaults come from the API file, which is trusted to write its own SCPI.
        params[parameter.name] = checkValue(parameter, parameter.default, fail);
        return;
      }
      if (parameter.required) fail(`missing required parameter ${parameter.name} (${describeSpec(parameter)})`, parameter.name);
      // Left out is fine only if the template does not need it; otherwise the worker could not render it.
      if (templatePlaceholders(spec.template).includes(parameter.name)) {
        fail(`parameter ${parameter.name} is needed by the template but was not given and has no default`, parameter.name);
      }
      return;
    }
    const checked = checkValue(parameter, value, fail);
    if (typeof checked === 'string' && COMMAND_BREAK.test(checked)) {
      fail(`parameter ${parameter.name} must not contain a line break, NUL or ';' (it would send a second command to the instrument)`, parameter.name);
    }
    params[parameter.name] = checked;
  });

  const bound: BoundCommand = { verb, spec, params };
  if (chosenChannel !== undefined) bound.channel = chosenChannel;
  return bound;
}

/** Binds `key=value` strings from the command line; values are read as the parameter's declared type. */
export function bindCliArguments(instrument: LoadedInstrument, verb: string, pairs: string[], channel?: number): BoundCommand {
  const name = instrument.config.name;
  const spec = instrument.api.commands[verb];
  if (!spec) return bindCall(instrument, verb, {}, channel); // reports the unknown verb
  const types = new Map<string, ValueType>(spec.parameters.map((p) => [p.name, p.type]));
  if (spec.channelGroup !== undefined) {
    types.set(spec.channelParameter ?? 'channel', 'int');
    types.set(spec.channelGroup, 'int');
  }
  const named: Record<string, unknown> = {};
  const positional: ParamValue[] = [];
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 0) {
      // `SET_VOLTAGE voltage` is a forgotten `=value`, not the value "voltage".
      if (types.has(pair.trim())) {
        const key = pair.trim();
        throw new ParameterError(name, verb, `Instrument ${name}: command ${verb}: ${key} is the name of a parameter, not a value (did you mean ${key}=<value>?)`, key);
      }
      // A bare value binds by position, like a positional argument in a script.
      const parameter = spec.parameters[positional.length];
      positional.push(parameter ? parseText(name, verb, parameter.name, parameter.type, pair) : pair);
      continue;
    }
    const key = pair.slice(0, at).trim();
    const text = pair.slice(at + 1);
    const type = types.get(key);
    named[key] = type ? parseText(name, verb, key, type, text) : text;
  }
  return bindCall(instrument, verb, { positional, named }, channel);
}

function parseText(instrument: string, verb: string, parameter: string, type: ValueType, text: string): ParamValue {
  const fail = (): never => {
    throw new ParameterError(instrument, verb, `Instrument ${instrument}: command ${verb}: parameter ${parameter} = ${quoteValue(text)} is not ${article(type)}`, parameter);
  };
  const trimmed = text.trim();
  switch (type) {
    case 'string':
      return text;
    case 'bool': {
      const word = trimmed.toLowerCase();
      if (['true', 'on', '1', 'yes'].includes(word)) return true;
      if (['false', 'off', '0', 'no'].includes(word)) return false;
      return fail();
    }
    case 'int':
    case 'float': {
      const value = trimmed === '' ? NaN : Number(trimmed);
      if (!Number.isFinite(value) || (type === 'int' && !Number.isInteger(value))) return fail();
      return value;
    }
    case 'array': {
      const inner = trimmed.replace(/^\[/, '').replace(/\]$/, '').trim();
      if (inner === '') return [];
      const values = inner.split(',').map((part) => (part.trim() === '' ? NaN : Number(part)));
      if (values.some((value) => !Number.isFinite(value))) return fail();
      return values;
    }
  }
}

type Fail = (message: string, parameter?: string) => never;

function checkValue(parameter: ParameterSpec, value: unknown, fail: Fail): ParamValue {
  const wrongType = (): never =>
    fail(`parameter ${parameter.name} must be ${article(parameter.type)}, got ${describe(value)}`, parameter.name);
  let checked: ParamValue;
  switch (parameter.type) {
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) wrongType();
      checked = value as number;
      break;
    case 'float':
      if (typeof value !== 'number' || !Number.isFinite(value)) wrongType();
      checked = value as number;
      break;
    case 'bool':
      if (typeof value !== 'boolean') wrongType();
      checked = value as boolean;
      break;
    case 'string':
      if (typeof value !== 'string') wrongType();
      checked = value as string;
      break;
    case 'array': {
      const elements = ArrayBuffer.isView(value) && !(value instanceof DataView) ? Array.from(value as unknown as ArrayLike<number | bigint>, Number) : value;
      if (!Array.isArray(elements) || elements.some((element) => typeof element !== 'number' || !Number.isFinite(element))) wrongType();
      checked = elements as number[];
      break;
    }
  }
  // Limits apply to numbers and to every element of an array.
  const numbers = typeof checked === 'number' ? [checked] : Array.isArray(checked) ? checked : [];
  for (const number of numbers) {
    if (parameter.min !== undefined && number < parameter.min) fail(`parameter ${parameter.name} = ${number} is below the minimum ${parameter.min}`, parameter.name);
    if (parameter.max !== undefined && number > parameter.max) fail(`parameter ${parameter.name} = ${number} is above the maximum ${parameter.max}`, parameter.name);
  }
  return checked;
}

/** `channel`, or `channel ch` when it was named by the group (not `channel channel`). */
function channelLabel(key: string): string {
  return key === 'channel' ? 'channel' : `channel ${key}`;
}

function article(type: ValueType): string {
  switch (type) {
    case 'int': return 'an integer';
    case 'float': return 'a number';
    case 'bool': return 'a boolean';
    case 'string': return 'a string';
    case 'array': return 'an array of numbers';
  }
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return `an array [${value.slice(0, 4).map((v) => quoteValue(v, 20)).join(', ')}${value.length > 4 ? ', …' : ''}]`;
  if (typeof value === 'object') return 'a table/object';
  if (typeof value === 'number') return `number ${value}`;
  return `${typeof value} ${quoteValue(value)}`;
}

function describeSpec(parameter: ParameterSpec): string {
  const parts: string[] = [parameter.type];
  if (parameter.unit) parts.push(parameter.unit);
  if (parameter.min !== undefined || parameter.max !== undefined) parts.push(`${parameter.min ?? '-∞'}..${parameter.max ?? '∞'}`);
  return parts.join(', ');
}

/** ` (did you mean SET_VOLTAGE, GET_VOLTAGE?)` for close names, else a short list of what exists. */
function suggest(verb: string, verbs: string[]): string {
  const wanted = verb.toUpperCase();
  const close = verbs
    .map((candidate) => ({ candidate, distance: editDistance(wanted, candidate.toUpperCase()) }))
    .filter(({ candidate, distance }) => distance <= Math.max(2, Math.floor(wanted.length / 3)) || candidate.toUpperCase().includes(wanted) || wanted.includes(candidate.toUpperCase()))
    .sort((a, b) => a.distance - b.distance)
    .slice(0, 3)
    .map(({ candidate }) => candidate);
  if (close.length > 0) return ` (did you mean ${close.join(', ')}?)`;
  if (verbs.length === 0) return ' (the API defines no commands)';
  return ` (commands: ${verbs.slice(0, 6).join(', ')}${verbs.length > 6 ? ', …' : ''})`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
