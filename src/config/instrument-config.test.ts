import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { symlinkSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { loadInstrumentConfig } from './instrument-config.js';
import { loadInstrument } from './loaded-instrument.js';
import { ConfigError } from './errors.js';
import { originalFixtures, scratchFolder, SMALL_API } from './fixtures/files.js';

test('the original minimal config loads: connection type defaults to VISA, no io_config', () => {
  const config = loadInstrumentConfig(join(originalFixtures, 'mock_instrument1.yaml'));
  assert.deepEqual(config, {
    name: 'MockInstrument1',
    apiPath: join(originalFixtures, 'mock_api.yaml'),
    configPath: join(originalFixtures, 'mock_instrument1.yaml'),
    connection: { type: 'VISA', address: 'mock://test1', options: {}, custom: {} },
    startup: { initCommands: [], delayMs: 0 },
    ioConfig: {},
  });
});

test('connection fields, transport options, startup, io_config defaults and sim are read', () => {
  const scratch = scratchFolder();
  try {
    scratch.write('api.yaml', SMALL_API);
    const path = scratch.write('dev.yaml', `name: PSU_2
api_ref: api.yaml
connection:
  type: Custom
  address: /dev/ttyUSB0
  timeout: 1500
  baudrate: 9600
  parity: none
  stop_bits: 1
  read_termination: "\\n"
  custom: {device: x, retries: 3}
startup:
  init_commands: ["*RST", "*CLS"]
  delay_ms: 250
io_config:
  voltage: {type: float, role: input, unit: V, scale: 0.1}
  measured_current: {type: double, role: output, unit: A, offset: 0.5}
sim:
  seed: 3
  outputs: {measured_current: {value: 1.5, noise: 0.1}}
`);
    const config = loadInstrumentConfig(path);
    assert.deepEqual(config.connection, {
      type: 'Custom', address: '/dev/ttyUSB0', timeoutMs: 1500, baudrate: 9600,
      options: { parity: 'none', stop_bits: 1, read_termination: '\n' },
      custom: { device: 'x', retries: 3 },
    });
    assert.deepEqual(config.startup, { initCommands: ['*RST', '*CLS'], delayMs: 250 });
    assert.deepEqual(config.ioConfig, {
      voltage: { type: 'float', role: 'input', unit: 'V', offset: 0, scale: 0.1 },
      measured_current: { type: 'float', role: 'output', unit: 'A', offset: 0.5, scale: 1 },
    });
    assert.deepEqual(config.sim, { seed: 3, outputs: { measured_current: { value: 1.5, noise: 0.1 } } });
  } finally {
    scratch.remove();
  }
});

test('a relative api_ref is looked up beside the config file before the working directory', () => {
  const scratch = scratchFolder();
  try {
    const besideConfig = scratch.write('configs/apis/x.yaml', SMALL_API);
    scratch.write('cwd/apis/x.yaml', SMALL_API);
    const path = scratch.write('configs/dev.yaml', 'name: DEV\napi_ref: apis/x.yaml\nconnection: {address: "sim://dev"}\n');
    assert.equal(loadInstrumentConfig(path, { cwd: join(scratch.dir, 'cwd') }).apiPath, besideConfig);
  } finally {
    scratch.remove();
  }
});

test('a relative api_ref not beside the config file is found in the working directory (cwd option)', () => {
  const config = loadInstrumentConfig(join(originalFixtures, 'configs/scope_instrument.yaml'), { cwd: join(originalFixtures, 'cwd') });
  assert.equal(config.apiPath, join(originalFixtures, 'cwd/examples/instrument-apis/dso9254a_extended.yaml'));
  assert.equal(config.name, 'INSTRUMENT_NAME');
  assert.deepEqual(config.ioConfig.analog1_waveform, { type: 'float', role: 'output', unit: 'V', offset: 0, scale: 1 });
});

test('a missing api_ref names every path it tried, in order', () => {
  const scratch = scratchFolder();
  try {
    const path = scratch.write('configs/dev.yaml', 'name: DEV\napi_ref: apis/none.yaml\nconnection: {address: "sim://dev"}\n');
    assert.throws(() => loadInstrumentConfig(path, { cwd: join(scratch.dir, 'elsewhere') }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      const tried = [join(scratch.dir, 'configs/apis/none.yaml'), join(scratch.dir, 'elsewhere/apis/none.yaml')];
      assert.deepEqual(error.problems, [`line 2: api_ref: API definition apis/none.yaml not found (tried ${tried.join(', ')})`]);
      assert.match(error.message, new RegExp(`^Invalid instrument configuration ${path}: line 2`));
      return true;
    });
    // An absolute path is tried as it is, and only there.
    const absolute = scratch.write('abs.yaml', `name: DEV\napi_ref: ${join(scratch.dir, 'none.yaml')}\nconnection: {address: "sim://dev"}\n`);
    assert.throws(() => loadInstrumentConfig(absolute), new RegExp(`not found \\(tried ${join(scratch.dir, 'none.yaml')}\\)`));
  } finally {
    scratch.remove();
  }
});

test('file:// URIs: absolute, and the original relative form file://./x', () => {
  const scratch = scratchFolder();
  try {
    const api = scratch.write('apis/x.yaml', SMALL_API);
    const absolute = scratch.write('a.yaml', `name: DEV\napi_ref: "${pathToFileURL(api).href}"\nconnection: {address: "sim://dev"}\n`);
    assert.equal(loadInstrumentConfig(absolute).apiPath, api);
    const relative = scratch.write('b.yaml', 'name: DEV\napi_ref: "file://./apis/x.yaml"\nconnection: {address: "sim://dev"}\n');
    assert.equal(loadInstrumentConfig(relative, { cwd: '/' }).apiPath, api);
  } finally {
    scratch.remove();
  }
});

test('the API path is canonical: symlinks and .. resolved', () => {
  const scratch = scratchFolder();
  try {
    const api = scratch.write('real/x.yaml', SMALL_API);
    symlinkSync(join(scratch.dir, 'real'), join(scratch.dir, 'link'));
    const path = scratch.write('configs/dev.yaml', 'name: DEV\napi_ref: ../configs/../link/x.yaml\nconnection: {address: "sim://dev"}\n');
    assert.equal(loadInstrumentConfig(path).apiPath, api);
  } finally {
    scratch.remove();
  }
});

test('a YAML syntax error names the file, line and column', () => {
  const scratch = scratchFolder();
  try {
    const path = scratch.write('dev.yaml', 'name: DEV\napi_ref: x.yaml\nconnection:\n  address: [sim://dev\n');
    assert.throws(() => loadInstrumentConfig(path), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, new RegExp(`^Invalid instrument configuration ${path}: line 5, column 1: YAML syntax error: `));
      assert.equal(error.problems.length, 1);
      return true;
    });
    const duplicate = scratch.write('dup.yaml', 'name: DEV\nname: DEV2\n');
    assert.throws(() => loadInstrumentConfig(duplicate), /line 2, column 1: YAML syntax error: Map keys must be unique/);
  } finally {
    scratch.remove();
  }
});

test('names must start with a capital letter; MockInstrument1 and DMM_2 are fine', () => {
  const scratch = scratchFolder();
  try {
    scratch.write('api.yaml', SMALL_API);
    for (const good of ['MockInstrument1', 'DMM_2']) {
      const path = scratch.write(`${good}.yaml`, `name: ${good}\napi_ref: api.yaml\nconnection: {address: "sim://x"}\n`);
      assert.equal(loadInstrumentConfig(path).name, good);
    }
    const path = scratch.write('bad.yaml', 'name: dmm-1\napi_ref: api.yaml\nconnection: {address: "sim://x"}\n');
    assert.throws(() => loadInstrumentConfig(path), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems, ['line 1: name: "dmm-1" must match ^[A-Z][A-Za-z0-9_]*$']);
      return true;
    });
  } finally {
    scratch.remove();
  }
});

test('loadInstrument reads both files and refuses io_config entries for ports the API lacks', () => {
  const scratch = scratchFolder();
  try {
    scratch.write('api.yaml', SMALL_API);
    const good = scratch.write('good.yaml', 'name: SRC1\napi_ref: api.yaml\nconnection: {address: "sim://x"}\n');
    const loaded = loadInstrument(good);
    assert.equal(loaded.config.name, 'SRC1');
    assert.deepEqual(Object.keys(loaded.api.commands), ['SET_VOLTAGE', 'MEASURE_CURRENT']);
    const bad = scratch.write('bad.yaml', 'name: SRC1\napi_ref: api.yaml\nconnection: {address: "sim://x"}\nio_config:\n  voltage: {type: float}\n  measured_current: {type: float}\n  voltag: {type: float}\n');
    assert.throws(() => loadInstrument(bad), /line 7: io_config\.voltag: port voltag does not exist in the API/);
  } finally {
    scratch.remove();
  }
});
