import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPluginDriver } from './index.js';
import { pluginCommand, pluginContext } from './fixtures/plugin-context.js';

const echoPlugin = fileURLToPath(new URL('./fixtures/echo-plugin.js', import.meta.url));

test('a JS plugin module answers commands through the driver', async () => {
  const driver = await createPluginDriver(pluginContext(echoPlugin));
  await driver.connect();
  try {
    await driver.execute(pluginCommand('SET', { name: 'gate1', value: 0.75 }));
    assert.deepEqual(await driver.execute(pluginCommand('GET', { name: 'gate1' }, 'double')), { value: 0.75 });
    const who = await driver.execute(pluginCommand('WHO', {}, 'string'));
    assert.match(String(who.value), /^BUS1:\d+:WHO$/);
    assert.deepEqual(await driver.execute(pluginCommand('WAVE', {}, 'array')), { value: Float32Array.from([1, 2, 3]), dataType: 'float32' });
    assert.deepEqual(await driver.execute(pluginCommand('LIST', {}, 'array')), { value: [1, 2, 3], dataType: 'int32' });
    assert.equal(await driver.identify!(), 'echo-plugin 0.3.0 (EchoBus)');
  } finally {
    await driver.close();
  }
});

test('a JS plugin failure and a refused initialize are reported with the plugin and the reason', async () => {
  const driver = await createPluginDriver(pluginContext(echoPlugin));
  await driver.connect();
  try {
    await assert.rejects(driver.execute(pluginCommand('MELT', {}, 'double')), /^Error: Instrument BUS1: command MELT failed in plugin echo-plugin \(.*echo-plugin\.js\): unknown verb MELT \(error code 7\)$/);
  } finally {
    await driver.close();
  }
  const refusing = await createPluginDriver(pluginContext(echoPlugin, undefined, 'refuse://'));
  await assert.rejects(refusing.connect(), /Instrument BUS1: plugin echo-plugin .* refused to initialize: address refuse:\/\/ is not an EchoBus device/);
});

test('a module that is not a plugin is refused naming what it lacks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'js-plugin-'));
  try {
    writeFileSync(join(dir, 'half.mjs'), 'export const metadata = { name: "half", version: "1", protocol_type: "X" };\nexport function execute() { return { success: true }; }\n');
    await assert.rejects(createPluginDriver(pluginContext(join(dir, 'half.mjs'))), /Instrument BUS1: plugin .*half\.mjs does not export initialize, shutdown/);
    writeFileSync(join(dir, 'nometa.mjs'), 'export function initialize() {}\nexport function execute() {}\nexport function shutdown() {}\n');
    await assert.rejects(createPluginDriver(pluginContext(join(dir, 'nometa.mjs'))), /metadata lacks name, version, protocol_type/);
    writeFileSync(join(dir, 'default.mjs'), 'export default { metadata: { name: "d", version: "1", protocol_type: "D", description: "" }, initialize() {}, execute() { return { success: true, value: 5 }; }, shutdown() {} };\n');
    const driver = await createPluginDriver(pluginContext(join(dir, 'default.mjs')));
    await driver.connect();
    assert.deepEqual(await driver.execute(pluginCommand('ANY', {}, 'int64')), { value: 5 });
    await driver.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
