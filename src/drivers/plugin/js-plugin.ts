// JS/TS plugins: an ES module (or CommonJS module) exporting `metadata`, `initialize(config)`,
// `execute(command)` and `shutdown()` — either as named exports or on a default-exported object.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { PluginBackend } from './plugin-driver.js';
import type { InstrumentPlugin, PluginCommand, PluginConfig, PluginMetadata, PluginResponse } from './plugin-types.js';

export class PluginLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PluginLoadError';
  }
}

function checkMetadata(path: string, metadata: unknown): PluginMetadata {
  const m = metadata as Partial<PluginMetadata> | undefined;
  const missing = (['name', 'version', 'protocol_type'] as const).filter((k) => typeof m?.[k] !== 'string' || m[k] === '');
  if (!m || missing.length > 0) throw new PluginLoadError(`plugin ${path}: metadata lacks ${missing.join(', ') || 'everything'} (name, version, protocol_type and description are expected)`);
  return { name: m.name!, version: m.version!, protocol_type: m.protocol_type!, description: typeof m.description === 'string' ? m.description : '' };
}

/** Imports a plugin module and checks that it has the four members. */
export async function importJsPlugin(path: string): Promise<InstrumentPlugin> {
  const absolute = resolve(path);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (error) {
    throw new PluginLoadError(`cannot load plugin ${absolute}: ${(error as Error).message}`);
  }
  const candidate = (typeof module['execute'] === 'function' ? module : (module['default'] as Record<string, unknown> | undefined)) ?? {};
  const missing = ['initialize', 'execute', 'shutdown'].filter((name) => typeof candidate[name] !== 'function');
  if (missing.length > 0) throw new PluginLoadError(`plugin ${absolute} does not export ${missing.join(', ')}`);
  return { ...(candidate as unknown as InstrumentPlugin), metadata: checkMetadata(absolute, candidate['metadata']) };
}

export class JsPlugin implements PluginBackend {
  private constructor(readonly path: string, private readonly plugin: InstrumentPlugin) {}

  static async load(path: string): Promise<JsPlugin> {
    return new JsPlugin(resolve(path), await importJsPlugin(path));
  }

  get metadata(): PluginMetadata {
    return this.plugin.metadata;
  }

  async initialize(config: PluginConfig): Promise<void> {
    const result = await this.plugin.initialize(config);
    if (result === false || (typeof result === 'number' && result !== 0)) throw new Error(`initialize returned ${String(result)}`);
  }

  async execute(command: PluginCommand): Promise<PluginResponse> {
    const response = await this.plugin.execute(command);
    if (typeof response !== 'object' || response === null || typeof response.success !== 'boolean') {
      throw new Error(`execute returned ${JSON.stringify(response)}, expected an object with "success"`);
    }
    return response;
  }

  async shutdown(): Promise<void> {
    await this.plugin.shutdown();
  }
}
