// Finding plugins: the search folders (INSTRUMENT_PLUGIN_PATH first, then ./plugins,
// ~/.local/lib/instrument-plugins, /usr/local/lib/instrument-plugins, /usr/lib/instrument-plugins),
// the plugin files in them (.so, .js, .mjs, .cjs) and their metadata. Metadata is read in a
// short-lived child process per file (metadata-probe.ts), so a broken library cannot take the
// daemon down while it is only being listed.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PluginMetadata } from './plugin-types.js';

export interface DiscoveredPlugin {
  path: string;
  kind: 'js' | 'native';
  metadata?: PluginMetadata;
  /** Why the file is not a usable plugin. */
  error?: string;
}

/** One row of `instrument-server plugins`. */
export interface PluginListing {
  protocol: string;
  path: string;
  name: string;
  version: string;
}

export function pluginSearchPaths(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string[] {
  const fromEnv = (env['INSTRUMENT_PLUGIN_PATH'] ?? '').split(':').filter((p) => p.length > 0).map((p) => resolve(cwd, p));
  const standard = [
    resolve(cwd, 'plugins'),
    join(env['HOME'] ?? homedir(), '.local/lib/instrument-plugins'),
    '/usr/local/lib/instrument-plugins',
    '/usr/lib/instrument-plugins',
  ];
  return [...new Set([...fromEnv, ...standard])];
}

/** Native libraries (`libx.so`, `libx.so.1`) or JS modules; anything else is not a plugin. */
export function pluginKind(path: string): 'js' | 'native' | undefined {
  if (/\.so(\.\d+)*$/.test(path)) return 'native';
  if (['.js', '.mjs', '.cjs'].includes(extname(path))) return 'js';
  return undefined;
}

function pluginFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) return [];
    entries = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return entries.map((entry) => join(dir, entry)).filter((path) => {
    try {
      return pluginKind(path) !== undefined && statSync(path).isFile();
    } catch {
      return false;
    }
  });
}

const PROBE = fileURLToPath(new URL('./metadata-probe.js', import.meta.url));

/** Reads one plugin's metadata in a child process. */
export function probePlugin(path: string, timeoutMs = 10_000): Promise<DiscoveredPlugin> {
  const kind = pluginKind(path) ?? 'js';
  return new Promise((resolvePromise) => {
    execFile(process.execPath, [PROBE, path], { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error && !stdout) {
        const signal = (error as { signal?: string }).signal;
        const why = signal ? `reading its metadata killed the probe process (${signal})` : stderr.trim() || error.message;
        resolvePromise({ path, kind, error: why });
        return;
      }
      try {
        const answer = JSON.parse(stdout) as { metadata?: PluginMetadata; error?: string };
        resolvePromise({ path, kind, ...answer });
      } catch {
        resolvePromise({ path, kind, error: `metadata probe printed no JSON: ${stdout.slice(0, 200)}` });
      }
    });
  });
}

/** Every plugin file in the given folders with its metadata or the reason it cannot be used. */
export async function discoverPlugins(dirs: string[]): Promise<DiscoveredPlugin[]> {
  const files = [...new Set(dirs.flatMap((dir) => pluginFiles(resolve(dir))))];
  return Promise.all(files.map((file) => probePlugin(file)));
}

/** Protocol → plugin for the search folders; the first folder that has a protocol wins. */
export async function listPlugins(searchPaths: string[] = pluginSearchPaths()): Promise<PluginListing[]> {
  const found = await discoverPlugins(searchPaths);
  const byProtocol = new Map<string, PluginListing>();
  for (const plugin of found) {
    if (!plugin.metadata) continue;
    const key = plugin.metadata.protocol_type.toLowerCase();
    if (!byProtocol.has(key)) {
      byProtocol.set(key, { protocol: plugin.metadata.protocol_type, path: plugin.path, name: plugin.metadata.name, version: plugin.metadata.version });
    }
  }
  return [...byProtocol.values()];
}

/** The plugin whose protocol_type matches (case-insensitively), if any. */
export async function findPluginForProtocol(protocol: string, searchPaths: string[] = pluginSearchPaths()): Promise<string | undefined> {
  const listing = await listPlugins(searchPaths);
  return listing.find((p) => p.protocol.toLowerCase() === protocol.toLowerCase())?.path;
}
