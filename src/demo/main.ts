// `npm run demo`: starts a daemon (in the background, in a temporary data folder) with the
// simulated lab of examples/lab, starts its instruments and submits the example scripts over
// HTTP RPC, waits for the jobs, prints their result tables, and stops the daemon.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RpcClient } from '../rpc/index.js';
import { formatResult } from '../cli/result-format.js';
import type { JobResult } from '../results/types.js';
import { freePort } from '../daemon/free-port.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const cli = join(root, 'dist/cli/main.js');
const lab = join(root, 'examples/lab');

const work = mkdtempSync(join(tmpdir(), 'instrument-server-demo-'));
const port = await freePort();
const env = { ...process.env, XDG_RUNTIME_DIR: join(work, 'run') };

function instrumentServer(...args: string[]): string {
  const run = spawnSync(process.execPath, [cli, '--port', String(port), ...args], { env, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`instrument-server ${args.join(' ')} failed: ${run.stderr.trim()}`);
  return run.stdout.trim();
}

console.log(`$ instrument-server daemon start --port ${port} --data-dir ${join(work, 'data')}`);
console.log(instrumentServer('daemon', 'start', '--data-dir', join(work, 'data')));
const client = new RpcClient({ port });
try {
  for (const config of readdirSync(join(lab, 'configs')).sort()) {
    const answer = await client.call('start', { config_path: join(lab, 'configs', config) });
    console.log(`started ${String(answer.name)} (${config})`);
  }
  const scripts = readdirSync(join(lab, 'scripts')).filter((f) => f.endsWith('.lua')).sort();
  const jobs: Array<{ script: string; id: string }> = [];
  for (const script of scripts) {
    const { job_id } = await client.call('submit_measure', { script_path: join(lab, 'scripts', script) });
    jobs.push({ script, id: String(job_id) });
    console.log(`submitted ${script} as ${String(job_id)}`);
  }
  let failed = 0;
  for (const job of jobs) {
    let info;
    do info = await client.call('job_wait', { job_id: job.id, timeout_ms: 30_000 });
    while (!info.finished);
    const { result } = await client.call('job_result', { job_id: job.id });
    console.log(`\n== ${job.script} (${job.id}): ${String(info.status)}`);
    console.log(formatResult({ ...(result as JobResult), script: basename((result as JobResult).script) }));
    if (info.status !== 'completed') failed++;
  }
  const dmm = await client.call('status', { name: 'DMM1' });
  console.log(`\nDMM1 status: ${JSON.stringify(dmm.stats)}`);
  process.exitCode = failed === 0 ? 0 : 1;
} finally {
  client.close();
  console.log(`\n$ instrument-server daemon stop --port ${port}`);
  console.log(instrumentServer('daemon', 'stop'));
  rmSync(work, { recursive: true, force: true });
}
