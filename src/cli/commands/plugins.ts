// `instrument-server plugins` (protocol → path for the search folders) and
// `instrument-server discover [dirs...]` (name, version, protocol, description of every plugin
// file found). The same functions answer the RPC `plugins` and `discover` commands.
import type { Command } from 'commander';
import { discoverPlugins, listPlugins, pluginSearchPaths, type DiscoveredPlugin, type PluginListing } from '../../drivers/plugin/index.js';

export { discoverPlugins, listPlugins, pluginSearchPaths, type DiscoveredPlugin, type PluginListing };

export function formatPluginList(listing: PluginListing[], searchPaths: string[]): string {
  if (listing.length === 0) return `no plugins found in ${searchPaths.join(', ')}\n`;
  const width = Math.max(...listing.map((p) => p.protocol.length));
  return listing.map((p) => `${p.protocol.padEnd(width)} → ${p.path}\n`).join('');
}

export function formatDiscovered(found: DiscoveredPlugin[], dirs: string[]): string {
  if (found.length === 0) return `no plugin files in ${dirs.join(', ')}\n`;
  return found.map((p) => {
    if (!p.metadata) return `${p.path}\n  not usable: ${p.error}\n`;
    const m = p.metadata;
    return `${m.name} ${m.version}\n  protocol:    ${m.protocol_type}\n  description: ${m.description}\n  path:        ${p.path} (${p.kind})\n`;
  }).join('');
}

export function registerPlugins(program: Command): void {
  program
    .command('plugins')
    .description('list the protocols that plugins in the search folders provide (INSTRUMENT_PLUGIN_PATH, ./plugins, ~/.local/lib/instrument-plugins, /usr/local/lib/instrument-plugins, /usr/lib/instrument-plugins)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const searchPaths = pluginSearchPaths();
      const listing = await listPlugins(searchPaths);
      process.stdout.write(options.json ? `${JSON.stringify(listing, null, 2)}\n` : formatPluginList(listing, searchPaths));
    });
  program
    .command('discover [dirs...]')
    .description('show name, version, protocol and description of the plugins in the given folders (default: the search folders)')
    .option('--json', 'print JSON')
    .action(async (dirs: string[], options: { json?: boolean }) => {
      const folders = dirs.length > 0 ? dirs : pluginSearchPaths();
      const found = await discoverPlugins(folders);
      process.stdout.write(options.json ? `${JSON.stringify(found, null, 2)}\n` : formatDiscovered(found, folders));
    });
}
