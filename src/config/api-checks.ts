// What makes an API definition unusable beyond its shape: placeholders nobody fills, references
// to ports or channel groups that do not exist, names declared twice. Runs after the schema.
import type { YamlFile, YamlPath } from './yaml-file.js';
import { problemAt } from './yaml-file.js';
import { schemaProblems } from './schemas.js';
import { templatePlaceholders } from './template.js';
import { channelPortName } from './channel-groups.js';

type Raw = Record<string, any>;

/** Schema problems, or — when the shape is right — the cross-check problems. One line each. */
export function apiFileProblems(file: YamlFile): string[] {
  const schema = schemaProblems('api', file);
  if (schema.length > 0) return schema;
  return apiCrossCheckProblems(file);
}

function list(value: unknown): Raw[] {
  return Array.isArray(value) ? (value as Raw[]) : [];
}

/** Reports each name that appears more than once in `items` (by `key`), at its second occurrence. */
function duplicates(file: YamlFile, items: Raw[], key: string, at: (index: number) => YamlPath, what: string): string[] {
  const seen = new Set<string>();
  const problems: string[] = [];
  items.forEach((item, index) => {
    const name = item?.[key];
    if (typeof name !== 'string') return;
    if (seen.has(name)) problems.push(problemAt(file, at(index), `duplicate ${what} name ${name}`));
    seen.add(name);
  });
  return problems;
}

export function apiCrossCheckProblems(file: YamlFile): string[] {
  const raw = (file.data ?? {}) as Raw;
  const problems: string[] = [];
  const io = list(raw.io);
  const groups = list(raw.channel_groups);

  problems.push(...duplicates(file, io, 'name', (i) => ['io', i, 'name'], 'io port'));
  problems.push(...duplicates(file, groups, 'name', (i) => ['channel_groups', i, 'name'], 'channel group'));
  groups.forEach((group, g) => {
    problems.push(...duplicates(file, list(group.io_types), 'suffix', (i) => ['channel_groups', g, 'io_types', i, 'suffix'], 'io type suffix'));
    const parameter = group.channel_parameter ?? {};
    if (typeof parameter.min === 'number' && typeof parameter.max === 'number' && parameter.min > parameter.max) {
      problems.push(problemAt(file, ['channel_groups', g, 'channel_parameter'], `min ${parameter.min} is above max ${parameter.max}`));
    }
  });

  // Every port name the file makes available, including the per-channel expansions.
  const portNames = new Set<string>(io.map((port) => String(port.name)));
  const groupsByName = new Map<string, Raw>();
  for (const group of groups) {
    groupsByName.set(String(group.name), group);
    const { min = 1, max = 1 } = group.channel_parameter ?? {};
    for (let channel = min; channel <= max; channel++) {
      for (const kind of list(group.io_types)) portNames.add(channelPortName(String(group.name), channel, String(kind.suffix)));
    }
  }
  const groupSuffixes = (group: Raw | undefined) => new Set(list(group?.io_types).map((kind) => String(kind.suffix)));

  for (const [verb, command] of Object.entries((raw.commands ?? {}) as Record<string, Raw>)) {
    const at = (...rest: YamlPath): YamlPath => ['commands', verb, ...rest];
    const parameters = list(command.parameters);
    let group: Raw | undefined;
    if (command.channel_group !== undefined) {
      group = groupsByName.get(String(command.channel_group));
      if (!group) {
        const known = [...groupsByName.keys()];
        problems.push(problemAt(file, at('channel_group'), `channel group ${command.channel_group} is not defined in channel_groups` +
          (known.length > 0 ? ` (defined: ${known.join(', ')})` : ' (the file defines none)')));
      }
    }
    // A channel command may name ports by suffix (outputs: [waveform]).
    const knownPort = (name: string) => portNames.has(name) || groupSuffixes(group).has(name);

    problems.push(...duplicates(file, parameters.map((p) => ({ name: p.name ?? p.io })), 'name', (i) => at('parameters', i), 'parameter'));
    parameters.forEach((parameter, i) => {
      if (parameter.io !== undefined && !knownPort(String(parameter.io))) {
        problems.push(problemAt(file, at('parameters', i, 'io'), `io port ${parameter.io} does not exist${portHint(portNames)}`));
      }
      if (typeof parameter.min === 'number' && typeof parameter.max === 'number' && parameter.min > parameter.max) {
        problems.push(problemAt(file, at('parameters', i), `min ${parameter.min} is above max ${parameter.max}`));
      }
    });
    list(command.outputs).forEach((output, i) => {
      if (!knownPort(String(output))) {
        problems.push(problemAt(file, at('outputs', i), `output ${output} is not an io port${portHint(portNames)}`));
      }
    });

    const parameterNames = new Set(parameters.map((p) => String(p.name ?? p.io)));
    const channelNames = new Set<string>();
    if (command.channel_group !== undefined) {
      channelNames.add(String(command.channel_group));
      channelNames.add(String(group?.channel_parameter?.name ?? 'channel'));
    }
    for (const placeholder of templatePlaceholders(String(command.template ?? ''))) {
      if (parameterNames.has(placeholder) || channelNames.has(placeholder)) continue;
      const hint = parameterNames.size > 0 ? `parameters: ${[...parameterNames].join(', ')}` : 'the command has no parameters';
      problems.push(problemAt(file, at('template'), `placeholder {${placeholder}} has no parameter (${hint})`));
    }
  }
  return problems;
}

function portHint(ports: Set<string>): string {
  if (ports.size === 0) return ' (the file declares no io ports)';
  const names = [...ports];
  return ` (ports: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''})`;
}
