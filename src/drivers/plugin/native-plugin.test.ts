import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPluginDriver } from './index.js';
import { layoutMismatches } from './plugin-abi.js';
import { compilePlugin, gccMissing } from './fixtures/compile.js';
import { pluginCommand, pluginContext } from './fixtures/plugin-context.js';

const missing = gccMissing();
let dir = '';
const built: Record<string, string> = {};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'native-plugin-'));
  if (missing) return;
  for (const source of ['test_plugin', 'crashing_plugin', 'future_plugin']) built[source] = await compilePlugin(source, dir);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('the koffi declaration of the plugin ABI has exactly the documented sizes and offsets', () => {
  assert.deepEqual(layoutMismatches(), []);
});

test('a C plugin compiled with gcc answers typed values through the driver', async (t) => {
  if (missing) return t.skip(missing);
  const driver = await createPluginDriver(pluginContext(built['test_plugin']));
  await driver.connect();
  try {
    await driver.execute(pluginCommand('SET', { voltage: 2.5 }));
    assert.deepEqual(await driver.execute(pluginCommand('GET', {}, 'double')), { value: 2.5 });
    assert.deepEqual(await driver.execute(pluginCommand('COUNT', {}, 'int64')), { value: -7 });
    assert.deepEqual(await driver.execute(pluginCommand('BIG', {}, 'int64')), { value: 2 ** 40 });
    assert.deepEqual(await driver.execute(pluginCommand('RATIO', {}, 'double')), { value: 0.25 });
    assert.deepEqual(await driver.execute(pluginCommand('READY', {}, 'bool')), { value: true });
    assert.deepEqual(await driver.execute(pluginCommand('NAME', {}, 'string')), { value: 'BUS1 via BUS1' });
    assert.deepEqual(await driver.execute(pluginCommand('TIMEOUT', {}, 'int64')), { value: 1501 });
    assert.equal(await driver.identify!(), 'test-plugin 1.2.3 (TestBus)');
  } finally {
    await driver.close();
  }
});

test('parameters map by value: integers to INT64, other numbers to DOUBLE, booleans to BOOL, strings to STRING', async (t) => {
  if (missing) return t.skip(missing);
  const driver = await createPluginDriver(pluginContext(built['test_plugin']));
  await driver.connect();
  try {
    const types = await driver.execute(pluginCommand('TYPES', { n: 3, x: 1.5, b: true, s: 'hi' }, 'string'));
    assert.equal(types.value, 'n:INT64,x:DOUBLE,b:BOOL,s:STRING');
    // A float parameter that happens to be integral stays a DOUBLE when the API declares it float.
    const declared = await driver.execute(pluginCommand('TYPES', { v: 2 }, 'string', [{ name: 'v', type: 'float', required: true }]));
    assert.equal(declared.value, 'v:DOUBLE');
    assert.deepEqual(await driver.execute(pluginCommand('SUM', { values: [1, 2, 3.5] }, 'double')), { value: 6.5 });
  } finally {
    await driver.close();
  }
});

test('array returns and large data become typed arrays with their data type', async (t) => {
  if (missing) return t.skip(missing);
  const driver = await createPluginDriver(pluginContext(built['test_plugin']));
  await driver.connect();
  try {
    assert.deepEqual(await driver.execute(pluginCommand('WAVE', {}, 'array')), { value: Float64Array.from([0.5, 1.5, 2.5, 3.5, 4.5]), dataType: 'float64' });
    const large = await driver.execute(pluginCommand('LARGE', {}, 'array'));
    assert.equal(large.dataType, 'float32');
    assert.deepEqual(large.value, Float32Array.from({ length: 100 }, (_, i) => i / 4));
  } finally {
    await driver.close();
  }
});

test('a slow plugin call runs off the event loop, so the worker keeps answering heartbeats', async (t) => {
  if (missing) return t.skip(missing);
  const driver = await createPluginDriver(pluginContext(built['test_plugin']));
  await driver.connect();
  try {
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 20);
    const reply = await driver.execute(pluginCommand('SLOW', {}, 'int64'));
    clearInterval(ticker);
    assert.deepEqual(reply, { value: 300 });
    assert.ok(ticks >= 5, `the event loop ran ${ticks} timer ticks during a 300 ms plugin call`);
  } finally {
    await driver.close();
  }
});

test('the plugin receives the connection as JSON', async (t) => {
  if (missing) return t.skip(missing);
  const driver = await createPluginDriver(pluginContext(built['test_plugin']));
  await driver.connect();
  try {
    const connection = JSON.parse(String((await driver.execute(pluginCommand('CONNECTION', {}, 'string'))).value));
    assert.deepEqual(connection, { type: 'Custom', address: 'testbus://unit/1', timeout: 2000, speed: 'fast', custom: { channel_map: [1, 2] } });
  } finally {
    await driver.close();
  }
});

test('a plugin failure names the instrument, the command, the plugin, its message and error code', async (t) => {
  if (missing) return t.skip(missing);
  const driver = await createPluginDriver(pluginContext(built['test_plugin']));
  await driver.connect();
  try {
    await assert.rejects(driver.execute(pluginCommand('FAIL', {}, 'double')), /^Error: Instrument BUS1: command FAIL failed in plugin test-plugin \(.*libtest_plugin\.so\): overload on channel 2 \(error code 42\)$/);
    await assert.rejects(driver.execute(pluginCommand('NOPE', {}, 'double')), /unknown verb NOPE \(error code 1\)/);
  } finally {
    await driver.close();
  }
});

test('a plugin that refuses to initialize fails connect clearly', async (t) => {
  if (missing) return t.skip(missing);
  const driver = await createPluginDriver(pluginContext(built['test_plugin'], undefined, 'refuse://me'));
  await assert.rejects(driver.connect(), /Instrument BUS1: plugin test-plugin \(.*\) refused to initialize: plugin_initialize returned 1/);
});

test('a library built for another plugin API version is refused at load', async (t) => {
  if (missing) return t.skip(missing);
  await assert.rejects(createPluginDriver(pluginContext(built['future_plugin'])), /Instrument BUS1: refusing to load .*libfuture_plugin\.so: plugin API version 2, this server supports version 1/);
});

test('a shared library that is not a plugin is refused naming the missing function', async (t) => {
  if (missing) return t.skip(missing);
  const source = join(dir, 'other.c');
  writeFileSync(source, 'int something(void) { return 1; }\n');
  const lib = join(dir, 'libother.so');
  await new Promise<void>((resolve, reject) => execFile('gcc', ['-shared', '-fPIC', '-o', lib, source], (e) => (e ? reject(e) : resolve())));
  await assert.rejects(createPluginDriver(pluginContext(lib)), /libother\.so is not an instrument plugin: it does not export plugin_get_metadata/);
  await assert.rejects(createPluginDriver(pluginContext(join(dir, 'missing.so'))), /cannot load native plugin .*missing\.so/);
});

test('a plugin that segfaults kills only the process that loaded it', async (t) => {
  if (missing) return t.skip(missing);
  const child = fileURLToPath(new URL('./fixtures/crash-child.js', import.meta.url));
  const run = (verb: string) => new Promise<{ code: number | null; signal: string | null; stdout: string }>((resolve) => {
    const p = execFile(process.execPath, [child, built['crashing_plugin']!, verb], (_e, stdout) => resolve({ code: p.exitCode, signal: p.signalCode, stdout }));
  });
  const healthy = await run('PING');
  assert.deepEqual(healthy, { code: 0, signal: null, stdout: '1' });
  const crashed = await run('CRASH');
  assert.equal(crashed.signal, 'SIGSEGV');
  // This process, which started both, is unaffected.
  assert.equal(process.exitCode ?? 0, 0);
});
