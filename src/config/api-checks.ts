// What makes an API definition unusable beyond its shape: placeholders nobody fills, references
// to ports or channel groups that do not exist, names declared twice. Runs beside the schema, on
// whatever parsed, so a file's problems are all reported in one round.
import type { YamlFile, YamlPath } from './yaml-file.js';
import { problemAt } from './yaml-file.js';
import { schemaProblems } from './schemas.js';
import { templatePlaceholders } from './template.js';
import { channelPortName } from './channel-groups.js';

type Raw = Record<string, any>;

/** Schema problems, then the cross-check problems of whatever parsed; one line each, no repeats. */
export function apiFileProblems(file: YamlFile): string[] {
  return [...new Set([...schemaProblems('api', file), ...apiCrossCheckProblems(file)])];
}

/** The entries of a list as mappings (indices kept); odd entries read as empty ones, the schema reports them. */
function list(value: unknown): Raw[] {
  return Array.isArray(value) ? value.map(mapping) : [];
}

function isMapping(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mapping(value: unknown): Raw {
  return isMapping(value) ? value : {};
}

/** A name as written, for messages and lookups; non-scalars (the schema reports them) give undefined. */
function nameOf(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
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

// Channel groups larger than this are not expanded into port names (the schema bounds real ones).
const MAX_EXPANDED_CHANNELS = 4096;

/** The cross-checks alone. Every field is read defensively: the file may have failed the schema. */
export function apiCrossCheckProblems(file: YamlFile): string[] {
  const raw = mapping(file.data);
  const problems: string[] = [];
  const io = list(raw.io);
  const groups = list(raw.channel_groups);

  problems.push(...duplicates(file, io, 'name', (i) => ['io', i, 'name'], 'io port'));
  problems.push(...duplicates(file, groups, 'name', (i) => ['channel_groups', i, 'name'], 'channel group'));
  groups.forEach((group, g) => {
    problems.push(...duplicates(file, list(group.io_types), 'suffix', (i) => ['channel_groups', g, 'io_types', i, 'suffix'], 'io type suffix'));
    const parameter = mapping(group.channel_parameter);
    if (typeof parameter.min === 'number' && typeof parameter.max === 'number' && parameter.min > parameter.max) {
      problems.push(problemAt(file, ['channel_groups', g, 'channel_parameter'], `min ${parameter.min} is above max ${parameter.max}`));
    }
  });

  // Every port name the file makes available, including the per-channel expansions.
  const portNames = new Set<string>(io.map((port) => nameOf(port.name)).filter((name): name is string => name !== undefined));
  const groupsByName = new Map<string, Raw>();
  for (const group of groups) {
    const groupName = nameOf(group.name);
    if (groupName === undefined) continue;
    groupsByName.set(groupName, group);
    const parameter = mapping(group.channel_parameter);
    const min = Number.isInteger(parameter.min) ? (parameter.min as number) : 1;
    const max = Number.isInteger(parameter.max) ? (parameter.max as number) : 1;
    if (max - min >= MAX_EXPANDED_CHANNELS) continue;
    for (let channel = min; channel <= max; channel++) {
      for (const kind of list(group.io_types)) {
        const suffix = nameOf(kind.suffix);
        if (suffix !== undefined) portNames.add(channelPortName(groupName, channel, suffix));
      }
    }
  }
  const groupSuffixes = (group: Raw | undefined) => new Set(list(group?.io_types).map((kind) => nameOf(kind.suffix)));

  for (const [verb, rawCommand] of Object.entries(mapping(raw.commands))) {
    const command = mapping(rawCommand);
    const at = (...rest: YamlPath): YamlPath => ['commands', verb, ...rest];
    const parameters = list(command.parameters);
    const groupName = nameOf(command.channel_group);
    let group: Raw | undefined;
    if (groupName !== undefined) {
      group = groupsByName.get(groupName);
      if (!group) {
        const known = [...groupsByName.keys()];
        problems.push(problemAt(file, at('channel_group'), `channel group ${groupName} is not defined in channel_groups` +
          (known.length > 0 ? ` (defined: ${known.join(', ')})` : ' (the file defines none)')));
      }
    }
    // A channel command may name ports by suffix (outputs: [waveform]).
    const knownPort = (name: string) => portNames.has(name) || groupSuffixes(group).has(name);

    problems.push(...duplicates(file, parameters.map((p) => ({ name: p.name ?? p.io })), 'name', (i) => at('parameters', i), 'parameter'));
    parameters.forEach((parameter, i) => {
      const port = nameOf(parameter.io);
      if (port !== undefined && !knownPort(port)) {
        problems.push(problemAt(file, at('parameters', i, 'io'), `io port ${port} does not exist${portHint(portNames)}`));
      }
      if (typeof parameter.min === 'number' && typeof parameter.max === 'number' && parameter.min > parameter.max) {
        problems.push(problemAt(file, at('parameters', i), `min ${parameter.min} is above max ${parameter.max}`));
      }
    });
    (Array.isArray(command.outputs) ? command.outputs as unknown[] : []).forEach((output, i) => {
      const port = nameOf(output);
      if (port !== undefined && !knownPort(port)) {
        problems.push(problemAt(file, at('outputs', i), `output ${port} is not an io port${portHint(portNames)}`));
      }
    });

    if (typeof command.template !== 'string') continue;
    const template = command.template;
    const brace = unbalancedBrace(template);
    if (brace !== undefined) problems.push(problemAt(file, at('template'), brace));

    const byName = new Map<string, Raw>();
    for (const parameter of parameters) {
      const name = nameOf(parameter.name ?? parameter.io);
      if (name !== undefined && !byName.has(name)) byName.set(name, parameter);
    }
    const channelNames = new Set<string>();
    if (groupName !== undefined) {
      channelNames.add(groupName);
      channelNames.add(nameOf(mapping(group?.channel_parameter).name) ?? 'channel');
    }
    for (const placeholder of templatePlaceholders(template)) {
      if (channelNames.has(placeholder)) continue;
      const parameter = byName.get(placeholder);
      if (!parameter) {
        const hint = byName.size > 0 ? `parameters: ${[...byName.keys()].join(', ')}` : 'the command has no parameters';
        problems.push(problemAt(file, at('template'), `placeholder {${placeholder}} has no parameter (${hint})`));
      } else if (parameter.required === false && parameter.default === undefined) {
        // A call that leaves it out could not be sent; give it a default or make it required.
        problems.push(problemAt(file, at('template'), `placeholder {${placeholder}} belongs to an optional parameter without a default`));
      }
    }
  }
  return problems;
}

/** Why the braces of a template do not pair up (`{` never closed, `}` never opened), or undefined. */
function unbalancedBrace(template: string): string | undefined {
  let open = -1;
  for (let i = 0; i < template.length; i++) {
    if (template[i] === '{') {
      if (open >= 0) return `"{" at character ${open + 1} has no matching "}" (placeholders are {name})`;
      open = i;
    } else if (template[i] === '}') {
      if (open < 0) return `"}" at character ${i + 1} has no matching "{" (placeholders are {name})`;
      open = -1;
    }
  }
  return open >= 0 ? `"{" at character ${open + 1} has no matching "}" (placeholders are {name})` : undefined;
}

function portHint(ports: Set<string>): string {
  if (ports.size === 0) return ' (the file declares no io ports)';
  const names = [...ports];
  return ` (ports: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''})`;
}
