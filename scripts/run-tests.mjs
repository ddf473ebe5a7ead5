// Runs every compiled test file under dist/ with Node's built-in test runner, then checks that
// no instrument worker or daemon started by the tests is still running.
// Optional arguments narrow the run to files whose path contains one of them.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir, out = []) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) find(path, out);
    else if (entry.endsWith('.test.js')) out.push(path);
  }
  return out;
}
const filters = process.argv.slice(2);
const files = find('dist').filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort();
if (files.length === 0) {
  console.error('no test files found under dist/');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=120000', ...files], { stdio: 'inherit' });

// Every process a test starts must be stopped by that test: after the run, no instrument
// worker or daemon of this checkout started during the run may be left (Linux: read from /proc;
// a daemon the developer started before the run is not counted).
/** Start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat). */
function startTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}
const ours = [join(process.cwd(), 'dist/worker/main.js'), join(process.cwd(), 'dist/daemon/process.js'), join(process.cwd(), 'dist/cli/main.js')];
const leftovers = [];
if (existsSync('/proc')) {
  const runStarted = startTicks(process.pid);
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let cmdline = '';
    let started = 0;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      started = startTicks(pid);
    } catch {
      continue;
    }
    if (Number(pid) !== process.pid && started >= runStarted && ours.some((path) => cmdline.includes(path))) leftovers.push(`${pid} ${cmdline.trim()}`);
  }
}
if (leftovers.length > 0) {
  console.error(`\n${leftovers.length} process(es) outlived the test run:\n${leftovers.join('\n')}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
