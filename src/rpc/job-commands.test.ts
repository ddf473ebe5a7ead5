import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobStore } from '../store/job-store.js';
import { JobQueue } from '../jobs/job-queue.js';
import { FakeRunner } from '../jobs/testing/fake-measure.js';
import { RpcServer } from './rpc-server.js';
import { RpcClient } from './rpc-client.js';
import { RpcCommandError } from './errors.js';
import { jobCommands } from './job-commands.js';

let dir: string;
let store: JobStore;
let runner: FakeRunner;
let queue: JobQueue;
let server: RpcServer;
let client: RpcClient;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'job-commands-'));
  store = JobStore.open(dir);
  runner = new FakeRunner();
  queue = new JobQueue({
    store,
    startMeasure: runner.start,
    validate: async (req) => {
      if (req.scriptPath === '/missing.lua') throw new Error('script /missing.lua: no such file');
    },
    handlers: { status: async (job) => ({ name: job.params['name'], alive: true, stats: { commands_sent: 0 } }) },
  });
  server = new RpcServer({ port: 0, handlers: { ...jobCommands(queue), status: async (p) => (await queue.runJob('status', p)) as object } });
  const { port } = await server.listen();
  client = new RpcClient({ port });
});
afterEach(async () => {
  client.close();
  await server.close(0);
  await queue.stop({ timeoutMs: 0 });
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('job commands over HTTP', () => {
  test('ten submitted jobs complete in their order (the seed example)', async () => {
    runner.on('start', (run) => {
      run.complete('DMM1', 'MEASURE');
      run.finish();
    });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const answer = await client.call('submit_measure', { script_path: `scripts/measure_${i}.lua` });
      assert.match(String(answer['job_id']), /^job_\d{8}_\d{6}_[0-9a-f]{6}$/);
      ids.push(String(answer['job_id']));
    }
    await Promise.all(ids.map((id) => queue.waitFor(id)));
    assert.deepEqual(runner.startOrder, ids);
    const list = await client.call('job_list', {});
    const jobs = list['jobs'] as { job_id: string; type: string; status: string; created_at: number }[];
    assert.deepEqual(jobs.map((j) => [j.job_id, j.type, j.status]), ids.map((id) => [id, 'measure', 'completed']));
    const result = await client.call('job_result', { job_id: ids[0]! });
    assert.equal(result['job_id'], ids[0]);
    const r = result['result'] as { status: string; script: string; results: { index: number; instrument: string; verb: string }[] };
    assert.equal(r.status, 'success');
    assert.equal(r.script, 'scripts/measure_0.lua');
    assert.deepEqual(r.results.map((x) => [x.index, x.instrument, x.verb]), [[0, 'DMM1', 'MEASURE']]);
  });

  test('status and job_status answer while a long measure job runs; results, partial results and cancel follow the rules', async () => {
    const submitted = await client.call('submit_measure', { script: 'while true do end', name: 'long' });
    const id = String(submitted['job_id']);
    const run = await runner.started(id);
    run.complete('DAC1:1', 'SET_VOLTAGE');

    assert.deepEqual(await client.call('status', { name: 'DMM1' }), { ok: true, name: 'DMM1', alive: true, stats: { commands_sent: 0 } });
    const status = await client.call('job_status', { job_id: id });
    assert.equal(status['status'], 'running');
    assert.equal(typeof status['created_at'], 'number');
    assert.equal(typeof status['started_at'], 'number');

    await assert.rejects(
      client.call('job_result', { job_id: id }),
      (e) => e instanceof RpcCommandError && e.httpStatus === 409 && e.response['status'] === 'running' && e.message.includes('partial'),
    );
    const partial = await client.call('job_result', { job_id: id, partial: true });
    assert.equal(partial['partial'], true);
    assert.equal((partial['result'] as { results: unknown[] }).results.length, 1);

    assert.deepEqual(await client.call('job_cancel', { job_id: id }), { ok: true, job_id: id, status: 'canceled' });
    await assert.rejects(client.call('job_cancel', { job_id: id }), (e) => e instanceof RpcCommandError && e.httpStatus === 409 && e.message === `job ${id} is already canceled`);
    const kept = await client.call('job_result', { job_id: id });
    assert.equal((kept['result'] as { results: unknown[] }).results.length, 1);
    await assert.rejects(client.call('job_status', { job_id: 'job_20260116_123456_a1b2c3' }), (e) => e instanceof RpcCommandError && e.httpStatus === 404 && e.message === 'no job job_20260116_123456_a1b2c3');
  });

  test('a script the validator refuses is reported at submit time', async () => {
    await assert.rejects(
      client.call('submit_measure', { script_path: '/missing.lua' }),
      (e) => e instanceof RpcCommandError && e.httpStatus === 400 && e.message === 'script /missing.lua: no such file',
    );
    assert.deepEqual((await client.call('job_list', {}))['jobs'], []);
  });

  test('submit_sleep queues a barrier behind running measure jobs', async () => {
    const m = String((await client.call('submit_measure', { script: 'm' }))['job_id']);
    (await runner.started(m)).stage();
    const sleep = String((await client.call('submit_sleep', { duration_ms: 0 }))['job_id']);
    assert.equal((await client.call('job_status', { job_id: sleep }))['status'], 'queued');
    runner.runs.get(m)!.finish();
    assert.equal((await queue.waitFor(sleep)).status, 'completed');
    await assert.rejects(client.call('submit_sleep', { duration_ms: -5 }), /submit_sleep: parameter "duration_ms" must be ≥ 0/);
  });
});
