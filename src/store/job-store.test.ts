import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { JobStore, INTERRUPTED_JOB_ERROR, STORE_FILE_NAME } from './job-store.js';
import { JobIdGenerator, JOB_ID_PATTERN } from './job-id.js';
import { MIGRATIONS } from './migrations.js';
import Database from 'better-sqlite3';
import type { CommandRecord } from '../results/types.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'job-store-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const record = (index: number, extra: Partial<CommandRecord> = {}): CommandRecord => ({
  index,
  instrument: 'DMM1',
  verb: 'MEASURE',
  params: { range: 10 },
  executed_at_ms: 1705401234789 + index,
  return: { type: 'double', value: index * 0.5 },
  ...extra,
});

describe('job ids', () => {
  test('have the seed format job_YYYYMMDD_HHMMSS_<6 hex> in UTC', () => {
    const id = new JobIdGenerator().generate(Date.UTC(2026, 0, 16, 12, 34, 56));
    assert.match(id, JOB_ID_PATTERN);
    assert.ok(id.startsWith('job_20260116_123456_'), id);
  });

  test('10,000 ids generated in a tight loop are all unique', () => {
    const gen = new JobIdGenerator();
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i++) ids.add(gen.generate());
    assert.equal(ids.size, 10_000);
  });

  test('an id already taken (by an earlier run in the same second) is skipped', () => {
    const first = JobStore.open(dir);
    const taken = first.insertJob({ type: 'status' }).id;
    first.close();
    // A generator that starts exactly where the earlier run was.
    class Replaying extends JobIdGenerator {
      private replayed = false;
      override generate(now?: number): string {
        if (!this.replayed) {
          this.replayed = true;
          return taken;
        }
        return super.generate(now);
      }
    }
    const store = new JobStore(join(dir, STORE_FILE_NAME), { ids: new Replaying() });
    try {
      const job = store.insertJob({ type: 'status' });
      assert.notEqual(job.id, taken);
      assert.equal(store.listJobs().length, 2);
    } finally {
      store.close();
    }
  });

  test('10,000 jobs inserted in a tight loop get unique ids, in submission order', () => {
    const store = JobStore.open(dir);
    try {
      store.batch(() => {
        for (let i = 0; i < 10_000; i++) store.insertJob({ type: 'status' });
      });
      const jobs = store.listJobs();
      assert.equal(new Set(jobs.map((j) => j.id)).size, 10_000);
      assert.deepEqual(jobs.map((j) => j.seq), [...jobs.map((j) => j.seq)].sort((a, b) => a - b));
    } finally {
      store.close();
    }
  });
});

describe('JobStore', () => {
  test('keeps its database in WAL mode inside the data folder', async () => {
    const store = JobStore.open(join(dir, 'nested', 'data'));
    try {
      assert.ok(store.path.startsWith(join(dir, 'nested', 'data')));
      const { default: Database } = await import('better-sqlite3');
      const raw = new Database(store.path, { readonly: true });
      assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
      raw.close();
    } finally {
      store.close();
    }
  });

  test('a job, its results, its log and its output survive close and reopen', () => {
    let store = JobStore.open(dir);
    const job = store.insertJob({
      type: 'measure',
      name: 'iv curve',
      tags: ['sample-7', 'cooldown-3'],
      mode: 'interactive',
      scriptPath: '/lab/iv.lua',
      script: 'context:call("DMM1.MEASURE")',
      createdAt: 1705401234567,
    });
    assert.equal(job.status, 'queued');
    store.updateStatus(job.id, 'running', { startedAt: 1705401234600 });
    store.saveResult(job.id, {
      status: 'success',
      script: '/lab/iv.lua',
      results: [record(0), record(1)],
      log: [{ at_ms: 1705401234700, level: 'print', message: 'done' }],
    });
    store.updateStatus(job.id, 'completed', { finishedAt: 1705401234800 });
    store.close();

    store = JobStore.open(dir);
    try {
      assert.deepEqual(store.getJob(job.id), {
        id: job.id,
        seq: job.seq,
        type: 'measure',
        status: 'completed',
        name: 'iv curve',
        tags: ['sample-7', 'cooldown-3'],
        mode: 'interactive',
        scriptPath: '/lab/iv.lua',
        script: 'context:call("DMM1.MEASURE")',
        params: {},
        createdAt: 1705401234567,
        startedAt: 1705401234600,
        finishedAt: 1705401234800,
      });
      assert.deepEqual(store.getResult(job.id), {
        status: 'success',
        script: '/lab/iv.lua',
        results: [record(0), record(1)],
        log: [{ at_ms: 1705401234700, level: 'print', message: 'done' }],
      });
    } finally {
      store.close();
    }
  });

  test('updateStatus changes only the fields it is given and can clear the error', () => {
    const store = JobStore.open(dir);
    try {
      const job = store.insertJob({ type: 'sleep', params: { duration_ms: 10 } });
      store.updateStatus(job.id, 'running', { startedAt: 5 });
      store.updateStatus(job.id, 'failed', { finishedAt: 9, error: 'boom' });
      assert.deepEqual(
        { ...store.getJob(job.id) },
        { ...job, status: 'failed', startedAt: 5, finishedAt: 9, error: 'boom' },
      );
      store.updateStatus(job.id, 'failed', { error: null });
      assert.equal(store.getJob(job.id)?.error, undefined);
      assert.throws(() => store.updateStatus('job_19700101_000000_000000', 'running'), /no job job_19700101_000000_000000/);
    } finally {
      store.close();
    }
  });

  test('records come back in index order, appended in batches, and an index written twice is replaced', () => {
    const store = JobStore.open(dir);
    try {
      const job = store.insertJob({ type: 'measure', script: 'x' });
      store.appendRecords(job.id, [record(2), record(0)]);
      store.appendRecords(job.id, [record(1), record(2, { error: 'Instrument DMM1: command MEASURE timed out after 5000 ms' })]);
      const results = store.getRecords(job.id);
      assert.deepEqual(results.map((r) => r.index), [0, 1, 2]);
      assert.equal(results[2]?.error, 'Instrument DMM1: command MEASURE timed out after 5000 ms');
      store.appendLog(job.id, { at_ms: 1, level: 'info', message: 'first' });
      store.appendLog(job.id, [
        { at_ms: 2, level: 'warn', message: 'second' },
        { at_ms: 3, level: 'print', message: 'third' },
      ]);
      assert.deepEqual(store.getLog(job.id).map((l) => l.message), ['first', 'second', 'third']);
    } finally {
      store.close();
    }
  });

  test('listJobs returns jobs in submission order, optionally by status', () => {
    const store = JobStore.open(dir);
    try {
      const a = store.insertJob({ type: 'measure', script: 'a' });
      const b = store.insertJob({ type: 'sleep', params: { duration_ms: 1 } });
      const c = store.insertJob({ type: 'list' });
      store.updateStatus(b.id, 'completed');
      assert.deepEqual(store.listJobs().map((j) => j.id), [a.id, b.id, c.id]);
      assert.deepEqual(store.listJobs('queued').map((j) => j.id), [a.id, c.id]);
    } finally {
      store.close();
    }
  });

  test('buffers round-trip byte for byte with their type and element count', () => {
    let store = JobStore.open(dir);
    const job = store.insertJob({ type: 'measure', script: 'x' });
    const wave = new Float64Array(10_000).map((_, i) => Math.sin(i / 100));
    store.putBuffer('buf_1', job.id, 'float64', new Uint8Array(wave.buffer));
    store.putBuffer('buf_2', job.id, 'int16', new Uint8Array(6), 3);
    store.close();
    store = JobStore.open(dir);
    try {
      const buf = store.getBuffer('buf_1');
      assert.ok(buf);
      assert.equal(buf.dataType, 'float64');
      assert.equal(buf.elementCount, 10_000);
      assert.equal(buf.jobId, job.id);
      const back = new Float64Array(buf.data.buffer.slice(buf.data.byteOffset, buf.data.byteOffset + buf.data.byteLength));
      assert.deepEqual(back, wave);
      assert.equal(store.getBuffer('buf_2')?.elementCount, 3);
      assert.equal(store.getBuffer('nope'), undefined);
      assert.throws(() => store.putBuffer('buf_3', job.id, 'float32', new Uint8Array(5)), /5 bytes, not a whole number of float32 elements/);
    } finally {
      store.close();
    }
  });

  test('recover fails running and canceling jobs with their partial results kept, and returns queued jobs in order', () => {
    let store = JobStore.open(dir);
    const finished = store.insertJob({ type: 'measure', scriptPath: '/lab/a.lua' });
    const running = store.insertJob({ type: 'measure', scriptPath: '/lab/b.lua' });
    const q1 = store.insertJob({ type: 'measure', script: 'c' });
    const canceling = store.insertJob({ type: 'measure', script: 'd' });
    const q2 = store.insertJob({ type: 'sleep', params: { duration_ms: 1 } });
    store.updateStatus(finished.id, 'completed', { startedAt: 1, finishedAt: 2 });
    store.updateStatus(running.id, 'running', { startedAt: 3 });
    store.appendRecords(running.id, [record(0), record(1)]);
    store.updateStatus(canceling.id, 'canceling', { startedAt: 4 });
    store.close();

    store = JobStore.open(dir);
    try {
      const recovery = store.recover(1000);
      assert.deepEqual(recovery.queued.map((j) => j.id), [q1.id, q2.id]);
      assert.deepEqual(recovery.interrupted.map((j) => j.id), [running.id, canceling.id]);
      const failed = store.getJob(running.id);
      assert.equal(failed?.status, 'failed');
      assert.equal(failed?.error, INTERRUPTED_JOB_ERROR);
      assert.equal(failed?.finishedAt, 1000);
      assert.deepEqual(store.getResult(running.id), {
        status: 'error',
        script: '/lab/b.lua',
        results: [record(0), record(1)],
        log: [],
        error: 'daemon stopped while job was running',
      });
      assert.equal(store.getJob(canceling.id)?.status, 'failed');
      assert.equal(store.getJob(finished.id)?.status, 'completed');
      // Recovering again changes nothing more.
      assert.deepEqual(store.recover(2000).interrupted, []);
    } finally {
      store.close();
    }
  });

  test('the instruments that were running are remembered for --restore', () => {
    let store = JobStore.open(dir);
    store.saveInstruments([
      { name: 'DAC1', configPath: '/lab/dac1.yaml' },
      { name: 'DMM1', configPath: '/lab/dmm1.yaml', pluginPath: '/lab/plugins/dmm.js' },
    ]);
    store.rememberInstrument({ name: 'LOCKIN', configPath: '/lab/lockin.yaml' });
    store.forgetInstrument('DAC1');
    store.close();
    store = JobStore.open(dir);
    try {
      assert.deepEqual(
        store.loadInstruments().sort((a, b) => a.name.localeCompare(b.name)),
        [
          { name: 'DMM1', configPath: '/lab/dmm1.yaml', pluginPath: '/lab/plugins/dmm.js' },
          { name: 'LOCKIN', configPath: '/lab/lockin.yaml' },
        ],
      );
      store.saveInstruments([]);
      assert.deepEqual(store.loadInstruments(), []);
    } finally {
      store.close();
    }
  });

  test('a store from a newer server version is refused with a clear message', async () => {
    const store = JobStore.open(dir);
    store.close();
    const { default: Database } = await import('better-sqlite3');
    const raw = new Database(store.path);
    raw.pragma('user_version = 99');
    raw.close();
    assert.throws(() => JobStore.open(dir), /schema version 99 is newer than this server knows/);
  });

  test('everything committed before a kill -9 of the writing process is there after reopening', async () => {
    const writer = fileURLToPath(new URL('./testing/crash-writer.js', import.meta.url));
    const child = spawn(process.execPath, [writer, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const lines = createInterface({ input: child.stdout! });
    let header: { done: string; running: string; queued: string[] } | undefined;
    const committed: string[] = [];
    for await (const line of lines) {
      if (!header) header = JSON.parse(line) as typeof header;
      else committed.push(line);
      if (committed.length === 500) {
        child.kill('SIGKILL');
        break;
      }
    }
    assert.equal(await exited, 'SIGKILL');
    assert.ok(header);

    const store = JobStore.open(dir);
    try {
      for (const id of committed) assert.equal(store.getJob(id)?.status, 'completed', id);
      assert.equal(store.getResult(header.done)?.results[0]?.return?.type, 'double');
      assert.equal(store.getLog(header.done)[0]?.message, 'hello');
      const recovery = store.recover();
      assert.deepEqual(recovery.queued.map((j) => j.id), header.queued);
      assert.deepEqual(recovery.interrupted.map((j) => j.id), [header.running]);
      const partial = store.getResult(header.running);
      assert.equal(partial?.error, INTERRUPTED_JOB_ERROR);
      assert.deepEqual(partial?.results.map((r) => `${r.instrument}.${r.verb}`), ['DAC1:1.SET_VOLTAGE']);
    } finally {
      store.close();
    }
  });
});

describe('schema migrations', () => {
  test('a version-1 database (one row per record) opens with its records intact', () => {
    const dir = mkdtempSync(join(tmpdir(), 'job-store-migration-'));
    try {
      const path = join(dir, STORE_FILE_NAME);
      const old = new Database(path);
      old.exec(MIGRATIONS[0]!);
      old.pragma('user_version = 1');
      old.prepare("INSERT INTO jobs (id, type, status, created_at) VALUES ('job_20260101_000000_000001', 'measure', 'completed', 1)").run();
      const put = old.prepare('INSERT INTO command_records (job_id, idx, record) VALUES (?, ?, ?)');
      for (const index of [1, 0]) put.run('job_20260101_000000_000001', index, JSON.stringify({ index, instrument: 'DMM1', verb: 'MEASURE', params: {} }));
      old.close();
      const store = new JobStore(path);
      try {
        assert.deepEqual(store.getRecords('job_20260101_000000_000001').map((r) => r.index), [0, 1]);
        store.appendRecords('job_20260101_000000_000001', [{ index: 1, instrument: 'DMM1', verb: 'MEASURE', params: {}, error: 'rewritten' }]);
        assert.equal(store.getRecords('job_20260101_000000_000001')[1]!.error, 'rewritten', 'a later write of an index replaces the earlier record');
      } finally {
        store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
