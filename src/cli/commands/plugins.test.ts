import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../main.js', import.meta.url));
const echoPlugin = fileURLToPath(new URL('../../drivers/plugin/fixtures/echo-plugin.js', import.meta.url));

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [cli, ...args], { env: { ...process.env, ...env } }, (_error, stdout, stderr) => resolve({ code: child.exitCode ?? 1, stdout, stderr }));
  });
}

test('instrument-server plugins lists protocol → path and discover shows the plugin details', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-plugins-'));
  try {
    copyFileSync(echoPlugin, join(dir, 'echo-plugin.js'));
    const listed = await run(['plugins'], { INSTRUMENT_PLUGIN_PATH: dir });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`^EchoBus → ${join(dir, 'echo-plugin.js').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`, 'm'));
    const discovered = await run(['discover', dir], {});
    assert.equal(discovered.code, 0, discovered.stderr);
    assert.match(discovered.stdout, /^echo-plugin 0\.3\.0\n {2}protocol: {4}EchoBus\n {2}description: Echoes parameters; remembers SET values\n/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
