// Loads an instrument configuration (the YAML format of the C++ original) into InstrumentConfig:
// name, the resolved API definition path, connection settings, startup, per-port scaling and the
// simulator section.
import { resolve } from 'node:path';
import type { ConnectionConfig, InstrumentConfig, IoConfigEntry } from './types.js';
import { ConfigError } from './errors.js';
import { readYamlFile, problemAt, type YamlFile } from './yaml-file.js';
import { schemaProblems } from './schemas.js';
import { normaliseValueType } from './value-types.js';
import { apiRefNotFound, resolveApiRef } from './api-ref.js';

export interface LoadOptions {
  /** Second place relative `api_ref` paths are looked up (default: process.cwd()). */
  cwd?: string;
}

/** Reads and validates a configuration file and resolves its `api_ref` (the API itself is not read). */
export function loadInstrumentConfig(path: string, options: LoadOptions = {}): InstrumentConfig {
  return readInstrumentConfig(path, options).config;
}

/** As loadInstrumentConfig, also handing back the parsed file so later checks can cite its lines. */
export function readInstrumentConfig(path: string, options: LoadOptions = {}): { file: YamlFile; config: InstrumentConfig } {
  const absolute = resolve(path);
  const file = readYamlFile(absolute, 'instrument configuration');
  const problems = schemaProblems('config', file);
  if (problems.length > 0) throw new ConfigError(absolute, problems, 'instrument configuration');
  const raw = file.data as Raw;
  const found = resolveApiRef(String(raw.api_ref), absolute, options.cwd ?? process.cwd());
  if (!found.ok) {
    throw new ConfigError(absolute, [problemAt(file, ['api_ref'], apiRefNotFound(String(raw.api_ref), found.tried))], 'instrument configuration');
  }
  return { file, config: normaliseInstrumentConfig(file, found.path) };
}

type Raw = Record<string, any>;

// Keys of `connection` that have their own field; everything else is a transport option.
const CONNECTION_FIELDS = new Set(['type', 'address', 'timeout', 'baudrate', 'custom']);

export function normaliseInstrumentConfig(file: YamlFile, apiPath: string): InstrumentConfig {
  const raw = file.data as Raw;
  const connectionRaw = (raw.connection ?? {}) as Raw;
  const connection: ConnectionConfig = {
    // The original's test configs omit the type; VISA is what they meant.
    type: String(connectionRaw.type ?? 'VISA'),
    address: String(connectionRaw.address ?? ''),
    options: Object.fromEntries(Object.entries(connectionRaw).filter(([key]) => !CONNECTION_FIELDS.has(key))),
    custom: { ...((connectionRaw.custom ?? {}) as Raw) },
  };
  if (typeof connectionRaw.timeout === 'number') connection.timeoutMs = connectionRaw.timeout;
  if (typeof connectionRaw.baudrate === 'number') connection.baudrate = connectionRaw.baudrate;

  const ioConfig: Record<string, IoConfigEntry> = {};
  for (const [port, entry] of Object.entries((raw.io_config ?? {}) as Record<string, Raw>)) {
    const normalised: IoConfigEntry = { offset: Number(entry?.offset ?? 0), scale: Number(entry?.scale ?? 1) };
    const type = entry?.type !== undefined ? normaliseValueType(String(entry.type)) : undefined;
    if (type !== undefined) normalised.type = type;
    if (entry?.role !== undefined) normalised.role = String(entry.role);
    if (entry?.unit !== undefined) normalised.unit = String(entry.unit);
    ioConfig[port] = normalised;
  }

  const config: InstrumentConfig = {
    name: String(raw.name),
    apiPath,
    configPath: file.path,
    connection,
    startup: {
      initCommands: Array.isArray(raw.startup?.init_commands) ? raw.startup.init_commands.map(String) : [],
      delayMs: Number(raw.startup?.delay_ms ?? 0),
    },
    ioConfig,
  };
  if (raw.sim !== undefined && raw.sim !== null) config.sim = raw.sim as Record<string, unknown>;
  return config;
}
