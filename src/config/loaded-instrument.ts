// An instrument ready to start: its configuration, the API definition it references, and the
// checks between the two (io_config ports must exist in the API).
import type { LoadedInstrument } from './types.js';
import { ConfigError } from './errors.js';
import { loadApiDefinition } from './api-definition.js';
import { readInstrumentConfig, type LoadOptions } from './instrument-config.js';
import { ioConfigProblems } from './config-checks.js';

export function loadInstrument(configPath: string, options: LoadOptions = {}): LoadedInstrument {
  const { file, config } = readInstrumentConfig(configPath, options);
  const api = loadApiDefinition(config.apiPath);
  const problems = ioConfigProblems(file, api);
  if (problems.length > 0) throw new ConfigError(file.path, problems, 'instrument configuration');
  return { config, api };
}
