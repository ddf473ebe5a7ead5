import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../../test-support/temp-dir.js';

const cli = fileURLToPath(new URL('../main.js', import.meta.url));
const configs = fileURLToPath(new URL('../../../examples/lab/configs/', import.meta.url));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: configs, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

test('`test` runs one command on a simulated instrument and prints the typed result', async () => {
  const idn = await run(['test', 'dmm1.yaml', 'IDN']);
  assert.equal(idn.code, 0, idn.stderr);
  assert.equal(idn.stdout, '[string] "ACME,DMM6,0,2.1"\n');

  const reading = await run(['test', 'dmm1.yaml', 'MEASURE_VOLTAGE']);
  assert.equal(reading.code, 0, reading.stderr);
  assert.match(reading.stdout, /^\[double\] 5\.00\d*\n$/);
});

test('`test` passes key=value parameters and --channel, and summarises arrays', async () => {
  const set = await run(['test', 'dac1.yaml', 'SET_VOLTAGE', 'voltage=0.5', '--channel', '2']);
  assert.equal(set.code, 0, set.stderr);
  assert.equal(set.stdout, '[void]\n');

  const wave = await run(['test', 'scope1.yaml', 'GET_WAVEFORM', '--channel', '1']);
  assert.equal(wave.code, 0, wave.stderr);
  assert.match(wave.stdout, /^\[array float64 × 1000\] (-?[\d.e-]+, ){8}…\n$/);
});

test('`test` exits 1 with the reason on stderr: bad parameter, bare parameter name, unknown verb, timeout, connect failure', async () => {
  const range = await run(['test', 'dac1.yaml', 'SET_VOLTAGE', 'voltage=20', '--channel', '1']);
  assert.equal(range.code, 1);
  assert.equal(range.stdout, '');
  assert.match(range.stderr, /^error: Instrument DAC1: command SET_VOLTAGE: parameter voltage = 20 is above the maximum 10\n$/);

  // A parameter name without `=value` is a slip, not the string "voltage" to be read as a number.
  const bare = await run(['test', 'dac1.yaml', 'SET_VOLTAGE', 'voltage', '--channel', '1']);
  assert.equal(bare.code, 1);
  assert.equal(bare.stdout, '');
  assert.equal(bare.stderr, 'error: Instrument DAC1: command SET_VOLTAGE: voltage is the name of a parameter, not a value (did you mean voltage=<value>?)\n');

  const unknown = await run(['test', 'dmm1.yaml', 'EXPLODE']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^error: Instrument DMM1: unknown command EXPLODE/);

  const dir = makeTempDir();
  try {
    // A command far slower than its timeout, so a busy machine cannot turn the timeout into a reply.
    const slow = dir.write('slow.yaml', [
      'name: SLOW1',
      `api_ref: ${configs}../apis/dmm.yaml`,
      'connection: { type: VISA, address: "sim://slow" }',
      'sim: { commands: { MEASURE_VOLTAGE: { delay_ms: 500 } } }',
      '',
    ].join('\n'));
    const timeout = await run(['test', slow, 'MEASURE_VOLTAGE', '--timeout', '20']);
    assert.equal(timeout.code, 1);
    assert.equal(timeout.stderr, 'error: Instrument SLOW1: command MEASURE_VOLTAGE timed out after 20 ms\n');

    const config = dir.write('broken.yaml', [
      'name: BROKEN1',
      `api_ref: ${configs}../apis/dmm.yaml`,
      'connection: { type: VISA, address: "sim://broken" }',
      'sim: { fail_connect: "no answer from the bench supply" }',
      '',
    ].join('\n'));
    const broken = await run(['test', config, 'IDN']);
    assert.equal(broken.code, 1);
    assert.equal(broken.stderr, 'error: Instrument BROKEN1: connect failed: no answer from the bench supply\n');
  } finally {
    dir.remove();
  }
});
