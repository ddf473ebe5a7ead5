// `validate api|config`: every problem of a file as one line each, instead of stopping at the
// first. The loaders run the same checks and refuse to start an instrument when any remain.
import { resolve } from 'node:path';
import { ConfigError } from './errors.js';
import { readYamlFile, problemAt, type YamlFile } from './yaml-file.js';
import { schemaProblems } from './schemas.js';
import { apiFileProblems } from './api-checks.js';
import { normaliseApiDefinition } from './api-definition.js';
import { apiRefNotFound, resolveApiRef } from './api-ref.js';
import { ioConfigProblems } from './config-checks.js';
import type { LoadOptions } from './instrument-config.js';

/** Problems of an API definition file; an empty list means it is valid. */
export function validateApiFile(path: string): string[] {
  const file = read(resolve(path), 'API definition');
  if (!('data' in file)) return file.problems;
  return apiFileProblems(file);
}

/**
 * Problems of an instrument configuration, including its `api_ref` (which must exist and be a
 * valid API definition) and its io_config against that API's ports.
 */
export function validateConfigFile(path: string, options: LoadOptions = {}): string[] {
  const file = read(resolve(path), 'instrument configuration');
  if (!('data' in file)) return file.problems;
  // Schema problems and cross-checks are reported together, so one run shows everything.
  const problems = schemaProblems('config', file);
  const data = (typeof file.data === 'object' && file.data !== null ? file.data : {}) as Record<string, unknown>;
  if (typeof data.api_ref !== 'string') return problems;
  const apiRef = data.api_ref;
  const found = resolveApiRef(apiRef, file.path, options.cwd ?? process.cwd());
  if (!found.ok) return [...problems, problemAt(file, ['api_ref'], apiRefNotFound(apiRef, found.tried))];

  const api = read(found.path, 'API definition');
  if (!('data' in api)) return [...problems, ...api.problems.map((problem) => problemAt(file, ['api_ref'], `${found.path}: ${problem}`))];
  const apiProblems = apiFileProblems(api);
  if (apiProblems.length > 0) return [...problems, ...apiProblems.map((problem) => problemAt(file, ['api_ref'], `${found.path}: ${problem}`))];
  const ioConfig = data.io_config;
  if (problems.length > 0 && (typeof ioConfig !== 'object' || ioConfig === null || Array.isArray(ioConfig))) return problems;
  let crossChecks: string[];
  try {
    crossChecks = ioConfigProblems(file, normaliseApiDefinition(api));
  } catch {
    // An io_config of an odd shape is already reported by the schema.
    crossChecks = [];
  }
  return [...new Set([...problems, ...crossChecks])];
}

function read(path: string, what: string): YamlFile | { problems: string[] } {
  try {
    return readYamlFile(path, what);
  } catch (error) {
    if (error instanceof ConfigError) return { problems: error.problems };
    throw error;
  }
}
