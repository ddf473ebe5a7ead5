import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPluginDriver, discoverPlugins, listPlugins, pluginSearchPaths } from './index.js';
import { compilePlugin, gccMissing } from './fixtures/compile.js';
import { pluginCommand, pluginContext } from './fixtures/plugin-context.js';

const echoPlugin = fileURLToPath(new URL('./fixtures/echo-plugin.js', import.meta.url));
const missingGcc = gccMissing();
let root = '';
let first = '';
let second = '';

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'plugin-discovery-'));
  first = join(root, 'first');
  second = join(root, 'second');
  mkdirSync(first);
  mkdirSync(second);
  copyFileSync(echoPlugin, join(first, 'echo-plugin.js'));
  writeFileSync(join(first, 'README.txt'), 'not a plugin');
  writeFileSync(join(first, 'broken.mjs'), 'export const nothing = 1;\n');
  if (!missingGcc) {
    await compilePlugin('test_plugin', second);
    await compilePlugin('future_plugin', second);
  }
});
after(() => rmSync(root, { recursive: true, force: true }));

test('search folders: INSTRUMENT_PLUGIN_PATH first, then ./plugins and the standard lib folders', () => {
  assert.deepEqual(pluginSearchPaths({ INSTRUMENT_PLUGIN_PATH: '/opt/a:rel', HOME: '/home/u' }, '/work'), [
    '/opt/a', '/work/rel', '/work/plugins', '/home/u/.local/lib/instrument-plugins', '/usr/local/lib/instrument-plugins', '/usr/lib/instrument-plugins',
  ]);
});

test('discover shows name, version, protocol and description of every plugin file, and why others are unusable', async (t) => {
  const found = await discoverPlugins([first, second, join(root, 'does-not-exist')]);
  const byFile = Object.fromEntries(found.map((p) => [p.path.slice(root.length + 1), p]));
  assert.deepEqual(byFile['first/echo-plugin.js']?.metadata, { name: 'echo-plugin', version: '0.3.0', protocol_type: 'EchoBus', description: 'Echoes parameters; remembers SET values' });
  assert.match(byFile['first/broken.mjs']?.error ?? '', /does not export initialize, execute, shutdown/);
  assert.equal(byFile['first/README.txt'], undefined);
  if (missingGcc) return t.skip(`native part: ${missingGcc}`);
  assert.deepEqual(byFile['second/libtest_plugin.so']?.metadata, { api_version: 1, name: 'test-plugin', version: '1.2.3', protocol_type: 'TestBus', description: 'Test plugin compiled during the tests' });
  assert.match(byFile['second/libfuture_plugin.so']?.error ?? '', /plugin API version 2/);
});

test('plugins lists protocol → path for usable plugins, first folder wins', async () => {
  const listing = await listPlugins([first, second, first]);
  const protocols = Object.fromEntries(listing.map((p) => [p.protocol, p.path]));
  assert.equal(protocols['EchoBus'], join(first, 'echo-plugin.js'));
  if (!missingGcc) assert.equal(protocols['TestBus'], join(second, 'libtest_plugin.so'));
  assert.equal(protocols['FutureBus'], undefined);
});

test('a Custom instrument without --plugin uses the plugin whose protocol_type matches protocol.name', async () => {
  const saved = process.env['INSTRUMENT_PLUGIN_PATH'];
  process.env['INSTRUMENT_PLUGIN_PATH'] = first;
  try {
    const driver = await createPluginDriver(pluginContext(undefined, 'echobus'));
    await driver.connect();
    assert.equal(await driver.identify!(), 'echo-plugin 0.3.0 (EchoBus)');
    await driver.execute(pluginCommand('SET', { name: 'a', value: 1 }));
    await driver.close();
    await assert.rejects(createPluginDriver(pluginContext(undefined, 'NoSuchBus')), /Instrument BUS1: no plugin for protocol "NoSuchBus" in .*first.* \(give one with --plugin\)/);
    await assert.rejects(createPluginDriver(pluginContext(undefined)), /protocol is Custom without protocol.name; give a plugin with --plugin/);
  } finally {
    if (saved === undefined) delete process.env['INSTRUMENT_PLUGIN_PATH'];
    else process.env['INSTRUMENT_PLUGIN_PATH'] = saved;
  }
});
