// Checks that need both files: does the configuration's io_config fit the API's ports?
import type { ApiDefinition } from './types.js';
import { problemAt, type YamlFile } from './yaml-file.js';
import { normaliseValueType } from './value-types.js';

/** Ports whose values cross the instrument boundary, and so need scaling/units in io_config. */
const CONFIGURED_ROLES = new Set(['input', 'output', 'inout']);

/**
 * io_config against the API: entries naming ports the API lacks, types that disagree, and ports with
 * role input/output/inout left out. The last check runs only when the file has a non-empty
 * io_config: the original's minimal configs (name, api_ref, connection) have none and mean
 * "no scaling anywhere".
 */
export function ioConfigProblems(file: YamlFile, api: ApiDefinition): string[] {
  const raw = (file.data ?? {}) as Record<string, any>;
  const entries = (raw.io_config ?? {}) as Record<string, Record<string, unknown> | null>;
  const problems: string[] = [];
  const ports = new Map(api.io.map((port) => [port.name, port]));
  for (const [name, entry] of Object.entries(entries)) {
    const port = ports.get(name);
    if (!port) {
      problems.push(problemAt(file, ['io_config', name], `port ${name} does not exist in the API ${api.sourcePath}`));
      continue;
    }
    const type = typeof entry?.type === 'string' ? normaliseValueType(entry.type) : undefined;
    // A float port may be configured for array values (waveforms) and vice versa: both are numbers.
    const compatible = type === undefined || type === port.type || (isNumeric(type) && isNumeric(port.type) && (type === 'array' || port.type === 'array'));
    if (!compatible) {
      problems.push(problemAt(file, ['io_config', name, 'type'], `type ${entry!.type} does not match the API's type ${port.type} for port ${name}`));
    }
  }
  if (Object.keys(entries).length > 0) {
    for (const port of api.io) {
      if (CONFIGURED_ROLES.has(port.role) && !(port.name in entries)) {
        problems.push(problemAt(file, ['io_config'], `port ${port.name} (role ${port.role}) is missing from io_config`));
      }
    }
  }
  return problems;
}

function isNumeric(type: string): boolean {
  return type === 'int' || type === 'float' || type === 'array';
}
