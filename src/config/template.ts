// Command templates: SCPI text with `{name}` placeholders, filled with bound parameter values.
// Numbers are written so the instrument receives exactly the value the script meant.
import type { BoundParams, CommandSpec, ParamValue, ValueType } from './types.js';
import { TemplateError } from './errors.js';

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The placeholder names of a template, in order of appearance (duplicates kept once). */
export function templatePlaceholders(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((match) => match[1]!))];
}

/**
 * One value as SCPI text: integers without a decimal point, floats in the shortest form that reads
 * back as the same double (0.1 → `0.1`, 1e-9 → `1e-9`), booleans as 1/0, arrays comma-joined.
 */
export function formatValue(value: ParamValue, type?: ValueType): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((element) => formatValue(element)).join(',');
  if (type === 'int' && Number.isInteger(value)) return BigInt(value).toString();
  // JavaScript's number-to-string is the shortest round-trip representation.
  return String(value);
}

/**
 * Renders a command's template. For channel commands `{<group>}` and `{<channel parameter>}` become
 * the channel number; every other placeholder must have a value in `params`. String values are
 * written as given: bindCall has already refused those that would end the command (CR, LF, NUL, ';').
 */
export function renderTemplate(spec: CommandSpec, params: BoundParams, channel?: number): string {
  const types = new Map(spec.parameters.map((parameter) => [parameter.name, parameter.type]));
  const channelNames = new Set<string>();
  if (spec.channelGroup !== undefined) {
    channelNames.add(spec.channelGroup);
    channelNames.add(spec.channelParameter ?? 'channel');
  }
  const channelValue = channel ?? (spec.channelParameter !== undefined ? params[spec.channelParameter] : undefined);
  return spec.template.replace(PLACEHOLDER, (_match, name: string) => {
    if (channelNames.has(name) && channelValue !== undefined) return formatValue(channelValue, 'int');
    const value = params[name];
    if (value === undefined) {
      // No "command VERB:" here: whoever reports the error (the worker) already names instrument and command.
      throw new TemplateError(`template "${spec.template}" needs a value for {${name}}, but none was given`, name);
    }
    return formatValue(value, types.get(name));
  });
}
