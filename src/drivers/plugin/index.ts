// Plugins for Custom protocols: a JS/TS module or a native library with the C plugin ABI,
// given with --plugin or found in the search folders by the API's `protocol.name`.
import { extname, resolve } from 'node:path';
import type { Driver, DriverContext } from '../driver.js';
import { findPluginForProtocol, pluginKind, pluginSearchPaths } from './discovery.js';
import { JsPlugin } from './js-plugin.js';
import { NativePlugin } from './native-plugin.js';
import { PluginDriver } from './plugin-driver.js';

async function choosePluginPath(context: DriverContext): Promise<string> {
  if (context.pluginPath) return resolve(context.pluginPath);
  const protocol = context.api.protocol.name;
  if (!protocol) {
    throw new Error(`Instrument ${context.instrument}: the API's protocol is ${context.api.protocol.type} without protocol.name; give a plugin with --plugin or name the protocol so a plugin can be found`);
  }
  const searchPaths = pluginSearchPaths();
  const found = await findPluginForProtocol(protocol, searchPaths);
  if (!found) throw new Error(`Instrument ${context.instrument}: no plugin for protocol "${protocol}" in ${searchPaths.join(', ')} (give one with --plugin)`);
  return found;
}

export async function createPluginDriver(context: DriverContext): Promise<Driver> {
  const path = await choosePluginPath(context);
  const kind = pluginKind(path);
  if (!kind) throw new Error(`Instrument ${context.instrument}: plugin ${path} has extension "${extname(path)}"; expected .so, .js, .mjs or .cjs`);
  try {
    const backend = kind === 'native' ? NativePlugin.load(path) : await JsPlugin.load(path);
    context.log('info', `Instrument ${context.instrument}: loaded ${kind} plugin ${backend.metadata.name} ${backend.metadata.version} from ${path}`);
    return new PluginDriver(context, backend);
  } catch (error) {
    throw new Error(`Instrument ${context.instrument}: ${(error as Error).message}`);
  }
}

export { discoverPlugins, listPlugins, findPluginForProtocol, pluginSearchPaths, type DiscoveredPlugin, type PluginListing } from './discovery.js';
export { PluginLoadError } from './js-plugin.js';
export { layoutMismatches } from './plugin-abi.js';
export type { InstrumentPlugin, PluginMetadata, PluginConfig, PluginCommand, PluginResponse, PluginValue } from './plugin-types.js';
