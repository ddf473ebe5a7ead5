import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(packageRoot, 'dist/cli/main.js');

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, 'validate', ...args], { cwd: packageRoot, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('validate config and validate api say a good file is valid and exit 0', () => {
  const config = run('config', 'examples/lab/configs/dac1.yaml');
  assert.deepEqual(config, { status: 0, stdout: '✓ examples/lab/configs/dac1.yaml is valid\n', stderr: '' });
  const api = run('api', 'src/config/fixtures/original/dso9254a_extended.yaml');
  assert.deepEqual(api, { status: 0, stdout: '✓ src/config/fixtures/original/dso9254a_extended.yaml is valid\n', stderr: '' });
});

test('validate config --cwd is where a relative api_ref is looked up after the config folder', () => {
  const result = run('config', 'src/config/fixtures/original/configs/scope_instrument.yaml', '--cwd', 'src/config/fixtures/original/cwd');
  assert.equal(result.status, 0, result.stderr);
});

test('validate prints one line per problem on stderr and exits 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iss-validate-'));
  try {
    const file = join(dir, 'api.yaml');
    writeFileSync(file, `api_version: "1.0.0"
instrument: {vendor: A, model: B}
protocol: {type: VISA}
io:
  - {name: voltage, type: float, role: input}
commands:
  SET:
    template: "VOLT {volts}"
    parameters: [{io: voltage}]
  GET:
    template: "VOLT?"
    outputs: [voltag]
`);
    const result = run('api', file);
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '');
    assert.deepEqual(result.stderr.trimEnd().split('\n'), [
      `${file}: line 8: commands.SET.template: placeholder {volts} has no parameter (parameters: voltage)`,
      `${file}: line 12: commands.GET.outputs[0]: output voltag is not an io port (ports: voltage)`,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('validate of a missing file or a YAML syntax error exits 1 with the reason', () => {
  const missing = run('config', 'no/such/file.yaml');
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr, 'no/such/file.yaml: file not found\n');
  const dir = mkdtempSync(join(tmpdir(), 'iss-validate-'));
  try {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'name: DEV\nconnection: [\n');
    const result = run('config', file);
    assert.equal(result.status, 1);
    assert.match(result.stderr, new RegExp(`^${file}: line 3, column 1: YAML syntax error: `));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
