// `instrument-server measure` and `jobs ...` against a real daemon with the lab instruments:
// Ctrl-C cancels the job it waits for, and the exit code says whether the job and its commands
// succeeded (SPEC part 3: 0 on success, 1 on any failure).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '../../test-support/index.js';
import { CLI, labConfig, runCli, startDaemon, type RunningDaemon } from '../../test-support/daemon.js';

let dir: TempDir;
let daemon: RunningDaemon;

before(async () => {
  dir = makeTempDir();
  daemon = await startDaemon({ root: dir.path });
  for (const name of ['dac1', 'dmm1'] as const) await daemon.client.call('start', { config_path: labConfig(name) });
});

after(async () => {
  await daemon?.stop();
  dir?.remove();
});

function script(name: string, text: string): string {
  const path = join(dir.path, name);
  writeFileSync(path, text);
  return path;
}

/** A script that makes one call and then runs until it is canceled. */
const ENDLESS = 'context:call("DMM1.SET_RANGE", 1)\nwhile true do end\n';

/** Polls job_list/job_result (bounded) until a job of this script runs and its first call is recorded. */
async function runningJobWithOneRecord(scriptPath: string): Promise<string> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const { jobs } = (await daemon.client.call('job_list', {})) as unknown as { jobs: Array<{ job_id: string; status: string; script_path?: string }> };
    const job = jobs.find((j) => j.status === 'running' && j.script_path === scriptPath);
    if (job) {
      const partial = await daemon.client.call('job_result', { job_id: job.job_id, partial: true });
      if (((partial.result as { results?: unknown[] } | null)?.results?.length ?? 0) >= 1) return job.job_id;
    }
    await new Promise((resolveDelay) => setTimeout(resolveDelay, 25));
  }
  throw new Error(`no running job for ${scriptPath} with a recorded call after 400 polls`);
}

/** Starts the CLI, waits until its job runs, sends SIGINT, and collects the outcome. */
async function interruptWhileWaiting(args: string[], scriptPath: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; jobId: string }> {
  const child = spawn(process.execPath, [CLI, '--port', String(daemon.port), ...args], { env: daemon.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveClose) => child.on('close', (code, signal) => resolveClose({ code, signal })));
  try {
    const jobId = await runningJobWithOneRecord(scriptPath);
    child.kill('SIGINT');
    const { code, signal } = await closed;
    return { code, signal, stdout, stderr, jobId };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

test('Ctrl-C on a blocking measure cancels the job on the instruments, prints the results so far and exits 1', async () => {
  const path = script('endless-measure.lua', ENDLESS);
  const run = await interruptWhileWaiting(['measure', path], path);
  assert.equal(run.signal, null, `the CLI handled SIGINT instead of dying of it; stderr: ${run.stderr}`);
  assert.equal(run.code, 1, run.stderr);
  assert.equal((await daemon.client.call('job_status', { job_id: run.jobId })).status, 'canceled', 'the job does not go on running');
  assert.match(run.stdout, /^\[0\] DMM1\.SET_RANGE\(1\) -> \[void\]$/m, 'the results gathered so far, in the text format');
  assert.match(run.stdout, /endless-measure\.lua: error: canceled by request \(1 command\)$/m);
  assert.match(run.stderr, new RegExp(`job ${run.jobId} was canceled \\(SIGINT\\)`));
});

test('Ctrl-C on jobs submit --wait --json cancels the job and prints the partial result as JSON', async () => {
  const path = script('endless-submit.lua', ENDLESS);
  const run = await interruptWhileWaiting(['jobs', 'submit', path, '--wait', '--json'], path);
  assert.equal(run.code, 1, run.stderr);
  assert.equal((await daemon.client.call('job_status', { job_id: run.jobId })).status, 'canceled');
  const printed = JSON.parse(run.stdout) as { job_id: string; status: string; result: { results: Array<{ verb: string }> } };
  assert.equal(printed.job_id, run.jobId);
  assert.equal(printed.status, 'canceled');
  assert.deepEqual(printed.result.results.map((r) => r.verb), ['SET_RANGE']);
  assert.match(run.stderr, /was canceled/);
});

test('measure exits 1 when a command in the job failed, and still prints every result', async () => {
  const path = script('over-limit.lua', 'context:call("DAC1:1.SET_VOLTAGE", 12)\ncontext:call("DMM1.MEASURE_VOLTAGE")\n');
  const run = await runCli(daemon, ['measure', path]);
  assert.equal(run.code, 1, 'a failed command is a failure even though the job completed');
  assert.match(run.stdout, /^\[0\] DAC1:1\.SET_VOLTAGE\(12\) -> ERROR: .*voltage/m);
  assert.match(run.stdout, /^\[1\] DMM1\.MEASURE_VOLTAGE\(\) -> \[double\] /m);
  assert.match(run.stderr, /1 of 2 commands failed/);
  const json = await runCli(daemon, ['measure', path, '--json']);
  assert.equal(json.code, 1);
  assert.equal((JSON.parse(json.stdout) as { result: { results: unknown[] } }).result.results.length, 2);
});

test('measure exits 1 when the job failed (the script raised), and prints the results before the error', async () => {
  const path = script('raises.lua', 'context:call("DMM1.SET_RANGE", 2)\nerror("sample holder not cold")\n');
  const run = await runCli(daemon, ['measure', path]);
  assert.equal(run.code, 1);
  assert.match(run.stdout, /^\[0\] DMM1\.SET_RANGE\(2\) -> \[void\]$/m);
  assert.match(run.stderr, /sample holder not cold/);
  const fine = await runCli(daemon, ['measure', script('fine.lua', 'context:call("DMM1.SET_RANGE", 2)\n')]);
  assert.equal(fine.code, 0, fine.stderr);
});

test('jobs result exits 1 for a failed or canceled job and 0 for a completed one; jobs wait too', async () => {
  const failed = String((await daemon.client.call('submit_measure', { script: 'error("boom")' })).job_id);
  const canceled = String((await daemon.client.call('submit_measure', { script: ENDLESS })).job_id);
  const completed = String((await daemon.client.call('submit_measure', { script: 'context:call("DMM1.SET_RANGE", 1)' })).job_id);
  await daemon.client.call('job_cancel', { job_id: canceled });
  for (const id of [failed, completed]) await daemon.client.call('job_wait', { job_id: id, timeout_ms: 20_000 });
  assert.equal((await daemon.client.call('job_status', { job_id: failed })).status, 'failed');

  const failedResult = await runCli(daemon, ['jobs', 'result', failed]);
  assert.equal(failedResult.code, 1);
  assert.match(failedResult.stderr, new RegExp(`job ${failed} failed: .*boom`));
  const canceledResult = await runCli(daemon, ['jobs', 'result', canceled, '--json']);
  assert.equal(canceledResult.code, 1);
  assert.equal((JSON.parse(canceledResult.stdout) as { status: string }).status, 'canceled');
  assert.match(canceledResult.stderr, new RegExp(`job ${canceled} was canceled`));
  const completedResult = await runCli(daemon, ['jobs', 'result', completed]);
  assert.equal(completedResult.code, 0, completedResult.stderr);
  assert.match(completedResult.stdout, /^\[0\] DMM1\.SET_RANGE\(1\) -> \[void\]$/m);

  assert.equal((await runCli(daemon, ['jobs', 'wait', canceled])).code, 1);
  assert.equal((await runCli(daemon, ['jobs', 'wait', failed])).code, 1);
  assert.equal((await runCli(daemon, ['jobs', 'wait', completed])).code, 0);
});
