import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobStore, INTERRUPTED_JOB_ERROR } from '../store/job-store.js';
import { JobQueue, CANCELED_BY_REQUEST, CANCELED_BY_STOP, type JobQueueOptions } from './job-queue.js';
import { JobNotFinishedError, JobNotFoundError, JobStateError, JobSubmitError, QueueStoppedError } from './errors.js';
import type { JobInfo, JobStatus } from './job.js';
import type { JobResult } from '../results/types.js';
import { FakeRunner } from './testing/fake-measure.js';

let dir: string;
let store: JobStore;
let runner: FakeRunner;
let queues: JobQueue[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'job-queue-'));
  store = JobStore.open(dir);
  runner = new FakeRunner();
  queues = [];
});
afterEach(async () => {
  for (const q of queues) await q.stop({ timeoutMs: 0 });
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function makeQueue(options: Partial<JobQueueOptions> = {}): JobQueue {
  const queue = new JobQueue({
    store,
    startMeasure: runner.start,
    handlers: {
      status: async (job) => ({ name: job.params['name'], alive: true }),
      list: async () => ({ instruments: ['DAC1', 'DMM1'] }),
      calibrate: async () => ({ calibrated: true }),
    },
    ...options,
  });
  queues.push(queue);
  return queue;
}

/** Resolves when the job is in `status` (at once if it already is). */
function reaches(queue: JobQueue, id: string, status: JobStatus): Promise<JobInfo> {
  const now = queue.jobStatus(id);
  if (now.status === status) return Promise.resolve(now);
  return new Promise((resolve) => {
    const listener = (info: JobInfo) => {
      if (info.job_id === id && info.status === status) {
        queue.off('job', listener);
        resolve(info);
      }
    };
    queue.on('job', listener);
  });
}

function history(queue: JobQueue): string[] {
  const seen: string[] = [];
  queue.on('job', (info) => seen.push(`${info.job_id}:${info.status}`));
  return seen;
}

describe('JobQueue: measure jobs', () => {
  test('submitMeasure returns the id at once; the job goes queued → running → completed and keeps its result', async () => {
    const queue = makeQueue();
    const seen = history(queue);
    const id = await queue.submitMeasure({ scriptPath: '/lab/iv.lua', name: 'iv', tags: ['s7'] });
    assert.match(id, /^job_\d{8}_\d{6}_[0-9a-f]{6}$/);
    const run = await runner.started(id);
    assert.equal(queue.jobStatus(id).status, 'running');
    run.complete('DMM1', 'MEASURE', 3.14159);
    run.finish();
    const info = await queue.waitFor(id);
    assert.deepEqual(seen, [`${id}:queued`, `${id}:running`, `${id}:completed`]);
    assert.equal(info.status, 'completed');
    assert.equal(info.name, 'iv');
    assert.deepEqual(info.tags, ['s7']);
    assert.equal(info.script_path, '/lab/iv.lua');
    assert.ok(info.started_at! >= info.created_at && info.finished_at! >= info.started_at!);
    const { result } = queue.jobResult(id);
    assert.equal((result as JobResult).status, 'success');
    assert.equal((result as JobResult).script, '/lab/iv.lua');
    assert.deepEqual(
      (result as JobResult).results.map((r) => [r.index, r.instrument, r.verb, r.return]),
      [[0, 'DMM1', 'MEASURE', { type: 'double', value: 3.14159 }]],
    );
    assert.equal((result as JobResult).log[0]?.message, 'ran 1 commands');
  });

  test('a script that ends in error fails the job with the reason', async () => {
    const queue = makeQueue();
    const id = await queue.submitMeasure({ script: 'error("x")' });
    const run = await runner.started(id);
    run.finish('error', 'script.lua:3: gate voltage out of range');
    const info = await queue.waitFor(id);
    assert.equal(info.status, 'failed');
    assert.equal(info.error, 'script.lua:3: gate voltage out of range');
    assert.equal((queue.jobResult(id).result as JobResult).status, 'error');
  });

  test('a runner that throws while starting fails the job and the queue goes on', async () => {
    const queue = makeQueue({
      startMeasure: (job, progress) => {
        if (job.script === 'bad') throw new Error('Lua state could not be created');
        return runner.start(job, progress);
      },
    });
    const bad = await queue.submitMeasure({ script: 'bad' });
    const good = await queue.submitMeasure({ script: 'good' });
    (await runner.started(good)).finish();
    assert.equal((await queue.waitFor(good)).status, 'completed');
    const info = queue.jobStatus(bad);
    assert.equal(info.status, 'failed');
    assert.equal(info.error, 'Lua state could not be created');
  });

  test('measure jobs start in submission order, each after the previous one has staged', async () => {
    const queue = makeQueue();
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await queue.submitMeasure({ script: `-- ${i}` }));
    const first = await runner.started(ids[0]!);
    // The dispatcher waits for staging: nothing else has started.
    assert.deepEqual(runner.startOrder, [ids[0]]);
    assert.equal(queue.jobStatus(ids[1]!).status, 'queued');
    first.stage();
    for (const id of ids.slice(1)) (await runner.started(id)).stage();
    assert.deepEqual(runner.startOrder, ids);
    for (const id of ids) runner.runs.get(id)!.finish();
    for (const id of ids) assert.equal((await queue.waitFor(id)).status, 'completed');
  });

  test('several measure jobs are running at the same time once staged', async () => {
    const queue = makeQueue();
    const a = await queue.submitMeasure({ script: 'a' });
    const b = await queue.submitMeasure({ script: 'b' });
    const c = await queue.submitMeasure({ script: 'c' });
    (await runner.started(a)).stage();
    (await runner.started(b)).stage();
    await runner.started(c);
    assert.deepEqual([a, b, c].map((id) => queue.jobStatus(id).status), ['running', 'running', 'running']);
    assert.equal(queue.activeMeasureJobs, 3);
    // They finish in any order.
    runner.runs.get(b)!.finish();
    assert.equal((await queue.waitFor(b)).status, 'completed');
    assert.equal(queue.jobStatus(a).status, 'running');
    runner.runs.get(a)!.finish();
    runner.runs.get(c)!.finish();
    await queue.waitFor(c);
    assert.equal(queue.activeMeasureJobs, 0);
  });

  test('submission needs script_path or script; the validator can refuse or rewrite it', async () => {
    const queue = makeQueue({
      validate: async (req) => {
        if (req.scriptPath === '/missing.lua') throw new Error('script /missing.lua does not exist');
        if (req.scriptPath) return { ...req, scriptPath: `/resolved${req.scriptPath}`, script: 'context:call("DMM1.MEASURE")' };
      },
    });
    await assert.rejects(queue.submitMeasure({}), (e) => e instanceof JobSubmitError && /needs "script_path".*or "script"/.test(e.message));
    await assert.rejects(queue.submitMeasure({ script: 'x', mode: 'fast' as never }), /mode must be "staged" or "interactive"/);
    await assert.rejects(queue.submitMeasure({ script: 'x', tags: [1] as never }), /tags must be an array of strings/);
    await assert.rejects(queue.submitMeasure({ scriptPath: '/missing.lua' }), (e) => e instanceof JobSubmitError && e.message === 'script /missing.lua does not exist');
    assert.deepEqual(queue.jobList(), []);
    const id = await queue.submitMeasure({ scriptPath: '/iv.lua', mode: 'interactive' });
    const run = await runner.started(id);
    assert.equal(run.job.scriptPath, '/resolved/iv.lua');
    assert.equal(run.job.script, 'context:call("DMM1.MEASURE")');
    assert.equal(run.job.mode, 'interactive');
    run.finish();
    await queue.waitFor(id);
  });
});

describe('JobQueue: fast-tracked status and list', () => {
  test('a status query answers while a long measure job is still staging', async () => {
    const queue = makeQueue();
    const long = await queue.submitMeasure({ script: 'while true do end' });
    await runner.started(long); // never stages
    const status = await queue.submitJob('status', { name: 'DMM1' });
    const info = await queue.waitFor(status);
    assert.equal(info.status, 'completed');
    assert.deepEqual(queue.jobResult(status).result, { name: 'DMM1', alive: true });
    assert.equal(queue.jobStatus(long).status, 'running');
  });

  test('list answers while measure jobs run and while a sleep barrier waits for them', async () => {
    const queue = makeQueue();
    const m = await queue.submitMeasure({ script: 'm' });
    (await runner.started(m)).stage();
    const barrier = await queue.submitSleep(1);
    const list = await queue.submitJob('list');
    assert.deepEqual(await queue.runJob('list'), { instruments: ['DAC1', 'DMM1'] });
    assert.equal((await queue.waitFor(list)).status, 'completed');
    assert.equal(queue.jobStatus(barrier).status, 'queued');
    runner.runs.get(m)!.finish();
    assert.equal((await queue.waitFor(barrier)).status, 'completed');
  });
});

describe('JobQueue: sleep and other jobs are barriers', () => {
  test('sleep waits until no measure job is active, and jobs behind it wait for it', async () => {
    const queue = makeQueue();
    const seen = history(queue);
    const m1 = await queue.submitMeasure({ script: 'm1' });
    (await runner.started(m1)).stage();
    const sleep = await queue.submitSleep(5);
    const m2 = await queue.submitMeasure({ script: 'm2' });
    assert.equal(queue.jobStatus(sleep).status, 'queued');
    assert.ok(!runner.runs.has(m2), 'm2 must not start before the barrier');
    runner.runs.get(m1)!.finish();
    const run2 = await runner.started(m2);
    assert.deepEqual(
      seen.filter((s) => s.startsWith(sleep) || s === `${m1}:completed` || s === `${m2}:running`),
      [`${sleep}:queued`, `${m1}:completed`, `${sleep}:running`, `${sleep}:completed`, `${m2}:running`],
    );
    run2.finish();
    await queue.waitFor(m2);
  });

  test('another job type waits for active measure jobs, then runs with its handler', async () => {
    const queue = makeQueue();
    const m = await queue.submitMeasure({ script: 'm' });
    (await runner.started(m)).stage();
    const cal = await queue.submitJob('calibrate', { target: 'DAC1' });
    assert.equal(queue.jobStatus(cal).status, 'queued');
    runner.runs.get(m)!.finish();
    assert.equal((await queue.waitFor(cal)).status, 'completed');
    assert.deepEqual(queue.jobResult(cal).result, { calibrated: true });
  });

  test('a handler that throws fails its job with the message; runJob rethrows the error itself', async () => {
    class InstrumentNotRunning extends Error {}
    const queue = makeQueue({ handlers: { calibrate: async () => Promise.reject(new InstrumentNotRunning('Instrument DAC1 is not running')) } });
    const id = await queue.submitJob('calibrate');
    const info = await queue.waitFor(id);
    assert.equal(info.status, 'failed');
    assert.equal(info.error, 'Instrument DAC1 is not running');
    await assert.rejects(queue.runJob('calibrate'), (e) => e instanceof InstrumentNotRunning && e.message === 'Instrument DAC1 is not running');
  });

  test('unknown job types and bad sleep durations are refused at submit time', async () => {
    const queue = makeQueue();
    await assert.rejects(queue.submitJob('teleport'), /unknown job type "teleport"; known types: measure, status, list, calibrate, sleep/);
    await assert.rejects(queue.submitSleep(-1), /duration_ms must be a number of milliseconds ≥ 0/);
    await assert.rejects(queue.submitJob('measure'), /submitMeasure/);
  });
});

describe('JobQueue: cancel', () => {
  test('a queued job is canceled at once and never runs', async () => {
    const queue = makeQueue();
    const a = await queue.submitMeasure({ script: 'a' });
    await runner.started(a);
    const b = await queue.submitMeasure({ script: 'b' });
    const info = await queue.cancel(b);
    assert.equal(info.status, 'canceled');
    assert.equal(info.error, CANCELED_BY_REQUEST);
    runner.runs.get(a)!.finish();
    await queue.waitFor(a);
    assert.ok(!runner.runs.has(b));
  });

  test('a running measure job goes canceling → canceled, its execution is stopped and its results so far are kept', async () => {
    const queue = makeQueue();
    const seen = history(queue);
    const id = await queue.submitMeasure({ script: 'loop' });
    const run = await runner.started(id);
    run.stage();
    run.complete('DAC1:1', 'SET_VOLTAGE');
    run.complete('DMM1', 'MEASURE');
    const info = await queue.cancel(id);
    assert.equal(info.status, 'canceled');
    assert.equal(run.cancelCalls, 1);
    assert.deepEqual(seen, [`${id}:queued`, `${id}:running`, `${id}:canceling`, `${id}:canceled`]);
    const result = queue.jobResult(id).result as JobResult;
    assert.equal(result.status, 'error');
    assert.deepEqual(result.results.map((r) => `${r.instrument}.${r.verb}`), ['DAC1:1.SET_VOLTAGE', 'DMM1.MEASURE']);
  });

  test('cancel without waiting reports canceling; a second cancel joins the first', async () => {
    const queue = makeQueue();
    const id = await queue.submitMeasure({ script: 'x' });
    const run = await runner.started(id);
    // A cancel that only completes when the test says so.
    let release!: () => void;
    const stopped = new Promise<void>((r) => (release = r));
    run.cancel = async () => {
      run.cancelCalls++;
      await stopped;
      run.finish('error', 'canceled');
    };
    assert.equal((await queue.cancel(id, { wait: false })).status, 'canceling');
    assert.equal(queue.jobStatus(id).status, 'canceling');
    const again = queue.cancel(id);
    release();
    assert.equal((await again).status, 'canceled');
    assert.equal(run.cancelCalls, 1);
  });

  test('a canceled job that was still staging lets the queue move on', async () => {
    const queue = makeQueue();
    const stuck = await queue.submitMeasure({ script: 'while true do end' });
    const stuckRun = await runner.started(stuck);
    stuckRun.cancel = async () => {
      stuckRun.cancelCalls++; // stops the script but never resolves `staged`
    };
    const next = await queue.submitMeasure({ script: 'next' });
    await queue.cancel(stuck);
    (await runner.started(next)).finish();
    assert.equal((await queue.waitFor(next)).status, 'completed');
  });

  test('a running sleep is canceled promptly', async () => {
    const queue = makeQueue();
    const id = await queue.submitSleep(3_600_000);
    await reaches(queue, id, 'running');
    const info = await queue.cancel(id);
    assert.equal(info.status, 'canceled');
  });

  test('a job waiting at the barrier can be canceled and the queue goes on', async () => {
    const queue = makeQueue();
    const m = await queue.submitMeasure({ script: 'm' });
    (await runner.started(m)).stage();
    const sleep = await queue.submitSleep(1);
    const after = await queue.submitMeasure({ script: 'after' });
    assert.equal((await queue.cancel(sleep)).status, 'canceled');
    // The barrier is gone, so `after` starts while m still runs.
    (await runner.started(after)).finish();
    await queue.waitFor(after);
    assert.equal(queue.jobStatus(m).status, 'running');
    runner.runs.get(m)!.finish();
    await queue.waitFor(m);
  });

  test('canceling a finished job is refused with the reason; an unknown id is named', async () => {
    const queue = makeQueue();
    const id = await queue.submitMeasure({ script: 'x' });
    (await runner.started(id)).finish();
    await queue.waitFor(id);
    await assert.rejects(queue.cancel(id), (e) => e instanceof JobStateError && e.message === `job ${id} is already completed` && e.httpStatus === 409);
    const canceled = await queue.submitSleep(1_000_000);
    await reaches(queue, canceled, 'running');
    await queue.cancel(canceled);
    await assert.rejects(queue.cancel(canceled), new RegExp(`job ${canceled} is already canceled`));
    await assert.rejects(queue.cancel('job_20260116_123456_a1b2c3'), (e) => e instanceof JobNotFoundError && e.message === 'no job job_20260116_123456_a1b2c3');
  });
});

describe('JobQueue: results and status', () => {
  test('job_result before completion names the current status; partial returns the results so far', async () => {
    const queue = makeQueue();
    const id = await queue.submitMeasure({ scriptPath: '/lab/sweep.lua' });
    const run = await runner.started(id);
    assert.throws(
      () => queue.jobResult(id),
      (e) => e instanceof JobNotFinishedError && /is running/.test(e.message) && e.details.status === 'running',
    );
    run.complete('DAC1', 'SET_VOLTAGE');
    const partial = queue.jobResult(id, { partial: true });
    assert.equal(partial.partial, true);
    assert.equal(partial.status, 'running');
    assert.deepEqual(
      (partial.result as JobResult).results.map((r) => r.verb),
      ['SET_VOLTAGE'],
    );
    assert.equal((partial.result as JobResult).script, '/lab/sweep.lua');
    run.finish();
    await queue.waitFor(id);
    assert.equal(queue.jobResult(id).partial, undefined);
  });

  test('job_status and job_list report type, state and epoch-ms timestamps; unknown ids are named', async () => {
    const queue = makeQueue({ now: () => 1705401234567 });
    const id = await queue.submitMeasure({ script: 'x' });
    assert.deepEqual(queue.jobStatus(id), { job_id: id, type: 'measure', status: 'running', created_at: 1705401234567, started_at: 1705401234567 });
    (await runner.started(id)).finish();
    await queue.waitFor(id);
    const sleep = await queue.submitSleep(0);
    await queue.waitFor(sleep);
    assert.deepEqual(
      queue.jobList().map((j) => [j.job_id, j.type, j.status, j.finished_at]),
      [
        [id, 'measure', 'completed', 1705401234567],
        [sleep, 'sleep', 'completed', 1705401234567],
      ],
    );
    assert.throws(() => queue.jobStatus('job_x'), /no job job_x/);
    assert.throws(() => queue.jobResult('job_x'), JobNotFoundError);
  });
});

describe('JobQueue: persistence and stopping', () => {
  test('queued jobs are queued again in their order after a restart; a job that was running is failed with its partial results', async () => {
    const first = makeQueue();
    const running = await first.submitMeasure({ script: 'running' });
    const run = await runner.started(running);
    run.complete('DAC1', 'SET_VOLTAGE');
    first.jobResult(running, { partial: true }); // flushes progress to the store
    const queued = [await first.submitMeasure({ script: 'q1' }), await first.submitSleep(0), await first.submitMeasure({ script: 'q2' })];
    // The daemon dies: no stop, the store is simply reopened.
    queues = [];
    store.close();
    store = JobStore.open(dir);
    runner = new FakeRunner();

    const second = makeQueue();
    assert.deepEqual(second.recovered.queued.map((j) => j.id), queued);
    assert.deepEqual(second.recovered.interrupted.map((j) => j.id), [running]);
    const failed = second.jobStatus(running);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error, INTERRUPTED_JOB_ERROR);
    const kept = second.jobResult(running).result as JobResult;
    assert.deepEqual(kept.results.map((r) => r.verb), ['SET_VOLTAGE']);
    (await runner.started(queued[0]!)).finish();
    (await runner.started(queued[2]!)).finish();
    for (const id of queued) assert.equal((await second.waitFor(id)).status, 'completed');
    assert.deepEqual(runner.startOrder, [queued[0], queued[2]]);
  });

  test('stop lets running jobs finish, keeps queued jobs queued, and refuses new submissions', async () => {
    const queue = makeQueue();
    const running = await queue.submitMeasure({ script: 'r' });
    const run = await runner.started(running);
    run.stage();
    const barrier = await queue.submitSleep(0);
    const later = await queue.submitMeasure({ script: 'later' });
    const stopped = queue.stop({ timeoutMs: 60_000 });
    await assert.rejects(queue.submitMeasure({ script: 'new' }), QueueStoppedError);
    run.finish();
    await stopped;
    assert.equal(queue.jobStatus(running).status, 'completed');
    assert.equal(queue.jobStatus(barrier).status, 'queued');
    assert.equal(queue.jobStatus(later).status, 'queued');
    assert.deepEqual(store.recover().queued.map((j) => j.id), [barrier, later]);
  });

  test('stop cancels jobs still running after the timeout, keeping their results', async () => {
    const queue = makeQueue();
    const id = await queue.submitMeasure({ script: 'long' });
    const run = await runner.started(id);
    run.stage();
    run.complete('DMM1', 'MEASURE');
    await queue.stop({ timeoutMs: 0 });
    const info = queue.jobStatus(id);
    assert.equal(info.status, 'canceled');
    assert.equal(info.error, CANCELED_BY_STOP);
    assert.equal((queue.jobResult(id).result as JobResult).results.length, 1);
  });

  test('a paused queue runs nothing until started', async () => {
    const queue = makeQueue({ paused: true });
    const id = await queue.submitMeasure({ script: 'x' });
    const status = await queue.submitJob('status', { name: 'DMM1' });
    assert.equal(queue.jobStatus(id).status, 'queued');
    assert.equal(queue.jobStatus(status).status, 'queued');
    queue.start();
    (await runner.started(id)).finish();
    await queue.waitFor(id);
    assert.equal((await queue.waitFor(status)).status, 'completed');
  });
});

describe('JobQueue: listing', () => {
  test('job_list filters by status and type and keeps the most recent jobs with limit', async () => {
    const queue = makeQueue();
    const first = await queue.submitMeasure({ script: 'a' });
    (await runner.started(first)).stage();
    runner.runs.get(first)!.finish();
    await queue.waitFor(first);
    const second = await queue.submitMeasure({ script: 'b' });
    const third = await queue.submitMeasure({ script: 'c' });
    await runner.started(second);
    const ids = (list: JobInfo[]) => list.map((j) => j.job_id);
    assert.deepEqual(ids(queue.jobList()), [first, second, third]);
    assert.deepEqual(ids(queue.jobList({ status: 'completed' })), [first]);
    assert.deepEqual(ids(queue.jobList({ status: ['running', 'queued'] })), [second, third]);
    assert.deepEqual(ids(queue.jobList({ limit: 2 })), [second, third]);
    assert.deepEqual(ids(queue.jobList({ type: 'sleep' })), []);
    (await runner.started(second)).stage();
    runner.runs.get(second)!.finish();
    (await runner.started(third)).stage();
    runner.runs.get(third)!.finish();
    await queue.waitFor(third);
  });
});

describe('JobQueue: waiting', () => {
  test('many callers waiting for one job all learn its end, without a listener each', async () => {
    const queue = makeQueue();
    const id = await queue.submitMeasure({ script: 'long' });
    const listenersBefore = queue.listenerCount('job');
    const waits = Array.from({ length: 50 }, () => queue.waitFor(id));
    assert.equal(queue.listenerCount('job'), listenersBefore);
    (await runner.started(id)).stage();
    runner.runs.get(id)!.finish();
    const infos = await Promise.all(waits);
    assert.ok(infos.every((info) => info.job_id === id && info.status === 'completed'));
  });
});
