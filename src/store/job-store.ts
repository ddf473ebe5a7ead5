// Durable storage of jobs, their results, log lines and buffers, and of the instruments that were
// running (SPEC part 13). One SQLite file in the daemon's data folder, in WAL mode with
// `synchronous=NORMAL`: a committed write survives a crash of the daemon process (kill -9).
// All methods are synchronous (better-sqlite3); each public write is one transaction.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ArrayDataType } from '../config/types.js';
import type { Job, JobStatus, JobType, ScriptMode } from '../jobs/job.js';
import type { CommandRecord, JobResult, LogLine } from '../results/types.js';
import { JobIdGenerator } from './job-id.js';
import { MIGRATIONS } from './migrations.js';
import { ARRAY_DATA_TYPES, bytesPerElement } from '../drivers/typed-arrays.js';

/** File name of the database inside the data folder. */
export const STORE_FILE_NAME = 'instrument-server.sqlite';

/** The reason recorded on jobs that were running when the daemon died. */
export const INTERRUPTED_JOB_ERROR = 'daemon stopped while job was running';

/** Fields of a new job; the store assigns `id` and `seq`. */
export interface NewJob {
  type: JobType;
  status?: JobStatus;
  name?: string;
  tags?: string[];
  mode?: ScriptMode;
  scriptPath?: string;
  script?: string;
  params?: Record<string, unknown>;
  /** Epoch ms; defaults to now. */
  createdAt?: number;
}

/** Fields that may change together with a job's status. `null` clears a field. */
export interface JobStatusFields {
  startedAt?: number | null;
  finishedAt?: number | null;
  error?: string | null;
}

export interface StoredBuffer {
  id: string;
  jobId: string | null;
  dataType: ArrayDataType;
  elementCount: number;
  /** Raw little-endian element data. */
  data: Buffer;
}

/** An instrument that was running, so the daemon can start it again with `--restore`. */
export interface SavedInstrument {
  name: string;
  configPath: string;
  pluginPath?: string;
}

/** What `recover()` found after an unclean stop. */
export interface Recovery {
  /** Jobs still queued, in queue order: queue them again. */
  queued: Job[];
  /** Jobs that were running or canceling: now `failed` with INTERRUPTED_JOB_ERROR, partial results kept. */
  interrupted: Job[];
}

interface JobRow {
  seq: number;
  id: string;
  type: string;
  name: string | null;
  tags: string;
  status: JobStatus;
  mode: ScriptMode;
  script_path: string | null;
  script: string | null;
  params: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  error: string | null;
  result_status: 'success' | 'error' | null;
  result_script: string | null;
  output: string | null;
}

export class JobStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly ids: JobIdGenerator;
  private readonly stmt: ReturnType<JobStore['prepare']>;

  /** Opens (creating if needed) the store in `dataDir`. */
  static open(dataDir: string): JobStore {
    mkdirSync(dataDir, { recursive: true });
    return new JobStore(join(dataDir, STORE_FILE_NAME));
  }

  /** Opens (creating if needed) the database file at `path` and applies pending migrations. */
  constructor(path: string, options: { ids?: JobIdGenerator } = {}) {
    this.path = path;
    this.ids = options.ids ?? new JobIdGenerator();
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    this.stmt = this.prepare();
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new Error(`Job store ${this.path}: schema version ${version} is newer than this server knows (${MIGRATIONS.length}); upgrade instrument-server`);
    }
    this.db.transaction(() => {
      for (let v = version; v < MIGRATIONS.length; v++) this.db.exec(MIGRATIONS[v]!);
      this.db.pragma(`user_version = ${MIGRATIONS.length}`);
    })();
  }

  private prepare() {
    const db = this.db;
    return {
      insertJob: db.prepare(`INSERT INTO jobs (id, type, name, tags, status, mode, script_path, script, params, created_at)
                             VALUES (@id, @type, @name, @tags, @status, @mode, @script_path, @script, @params, @created_at)`),
      getJob: db.prepare<[string], JobRow>('SELECT * FROM jobs WHERE id = ?'),
      listJobs: db.prepare<[], JobRow>('SELECT * FROM jobs ORDER BY seq'),
      jobsByStatus: db.prepare<[string], JobRow>('SELECT * FROM jobs WHERE status = ? ORDER BY seq'),
      setStatus: db.prepare(`UPDATE jobs SET status = @status,
                               started_at  = CASE WHEN @set_started  THEN @started_at  ELSE started_at  END,
                               finished_at = CASE WHEN @set_finished THEN @finished_at ELSE finished_at END,
                               error       = CASE WHEN @set_error    THEN @error       ELSE error       END
                             WHERE id = @id`),
      putRecords: db.prepare('INSERT INTO command_record_chunks (job_id, records) VALUES (?, ?)'),
      deleteRecords: db.prepare('DELETE FROM command_record_chunks WHERE job_id = ?'),
      getRecords: db.prepare<[string], { records: string }>('SELECT records FROM command_record_chunks WHERE job_id = ? ORDER BY chunk'),
      putLog: db.prepare('INSERT INTO log_lines (job_id, at_ms, level, message) VALUES (?, ?, ?, ?)'),
      deleteLog: db.prepare('DELETE FROM log_lines WHERE job_id = ?'),
      getLog: db.prepare<[string], LogLine>('SELECT at_ms, level, message FROM log_lines WHERE job_id = ? ORDER BY line'),
      setResult: db.prepare('UPDATE jobs SET result_status = ?, result_script = ? WHERE id = ?'),
      setOutput: db.prepare('UPDATE jobs SET output = ? WHERE id = ?'),
      putBuffer: db.prepare('INSERT OR REPLACE INTO buffers (id, job_id, data_type, element_count, data) VALUES (?, ?, ?, ?, ?)'),
      getBuffer: db.prepare<[string], { id: string; job_id: string | null; data_type: ArrayDataType; element_count: number; data: Buffer }>(
        'SELECT * FROM buffers WHERE id = ?',
      ),
      clearInstruments: db.prepare('DELETE FROM instruments'),
      putInstrument: db.prepare('INSERT OR REPLACE INTO instruments (name, config_path, plugin_path, saved_at) VALUES (?, ?, ?, ?)'),
      deleteInstrument: db.prepare('DELETE FROM instruments WHERE name = ?'),
      listInstruments: db.prepare<[], { name: string; config_path: string; plugin_path: string | null }>(
        'SELECT name, config_path, plugin_path FROM instruments ORDER BY saved_at, name',
      ),
    };
  }

  /** Stores a new job (status `queued` unless given) and returns it with its id and queue position. */
  insertJob(fields: NewJob): Job {
    const row = {
      type: fields.type,
      name: fields.name ?? null,
      tags: JSON.stringify(fields.tags ?? []),
      status: fields.status ?? 'queued',
      mode: fields.mode ?? 'staged',
      script_path: fields.scriptPath ?? null,
      script: fields.script ?? null,
      params: JSON.stringify(fields.params ?? {}),
      created_at: fields.createdAt ?? Date.now(),
    };
    // The generator never repeats itself; a clash can only come from another process (or an older
    // run within the same second), so a couple of retries from a fresh random start are plenty.
    for (let attempt = 0; ; attempt++) {
      const id = this.ids.generate(row.created_at);
      try {
        const info = this.stmt.insertJob.run({ ...row, id });
        return rowToJob({ ...row, id, seq: Number(info.lastInsertRowid), started_at: null, finished_at: null, error: null } as JobRow);
      } catch (err) {
        if (attempt < 5 && (err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
          this.ids.reseed();
          continue;
        }
        throw err;
      }
    }
  }

  /** Sets a job's status and, in the same write, the given timestamps/error. */
  updateStatus(id: string, status: JobStatus, fields: JobStatusFields = {}): void {
    const info = this.stmt.setStatus.run({
      id,
      status,
      set_started: 'startedAt' in fields ? 1 : 0,
      started_at: fields.startedAt ?? null,
      set_finished: 'finishedAt' in fields ? 1 : 0,
      finished_at: fields.finishedAt ?? null,
      set_error: 'error' in fields ? 1 : 0,
      error: fields.error ?? null,
    });
    if (info.changes === 0) throw new Error(`Job store: no job ${id}`);
  }

  getJob(id: string): Job | undefined {
    const row = this.stmt.getJob.get(id);
    return row && rowToJob(row);
  }

  /** Every job in submission order. */
  listJobs(status?: JobStatus): Job[] {
    const rows = status ? this.stmt.jobsByStatus.all(status) : this.stmt.listJobs.all();
    return rows.map(rowToJob);
  }

  /** Adds (or replaces, by `index`) command records of a job in one transaction. */
  appendRecords(jobId: string, records: readonly CommandRecord[]): void {
    if (records.length === 0) return;
    this.batch(() => {
      this.stmt.putRecords.run(jobId, JSON.stringify(records));
    });
  }

  /** Adds log lines of a job in one transaction. */
  appendLog(jobId: string, lines: LogLine | readonly LogLine[]): void {
    const list = Array.isArray(lines) ? (lines as readonly LogLine[]) : [lines as LogLine];
    if (list.length === 0) return;
    this.batch(() => {
      for (const l of list) this.stmt.putLog.run(jobId, Math.round(l.at_ms), l.level, l.message);
    });
  }

  getRecords(jobId: string): CommandRecord[] {
    const chunks = this.stmt.getRecords.all(jobId).map((row) => JSON.parse(row.records) as CommandRecord[]);
    if (chunks.length === 1 && isInIndexOrder(chunks[0]!)) return chunks[0]!;
    // Records finish out of index order inside parallel blocks, and a record written again replaces the earlier one.
    const byIndex = new Map<number, CommandRecord>();
    for (const chunk of chunks) for (const record of chunk) byIndex.set(record.index, record);
    return [...byIndex.values()].sort((a, b) => a.index - b.index);
  }

  getLog(jobId: string): LogLine[] {
    return this.stmt.getLog.all(jobId);
  }

  /** Stores a measure job's final result: replaces its records and log with the result's, atomically. */
  saveResult(jobId: string, result: JobResult): void {
    this.batch(() => {
      this.stmt.deleteRecords.run(jobId);
      if (result.results.length > 0) this.stmt.putRecords.run(jobId, JSON.stringify(result.results));
      this.stmt.deleteLog.run(jobId);
      for (const l of result.log) this.stmt.putLog.run(jobId, Math.round(l.at_ms), l.level, l.message);
      this.stmt.setResult.run(result.status, result.script, jobId);
    });
  }

  /** Stores a measure job's result status and script label, when its records and log are stored already. */
  saveResultSummary(jobId: string, result: Pick<JobResult, 'status' | 'script'>): void {
    this.stmt.setResult.run(result.status, result.script, jobId);
  }

  /** Stores the output of a non-measure job (`status`, `list`, ...), as JSON. */
  saveOutput(jobId: string, output: unknown): void {
    this.stmt.setOutput.run(output === undefined ? null : JSON.stringify(output), jobId);
  }

  getOutput(jobId: string): unknown {
    const row = this.stmt.getJob.get(jobId);
    return row?.output == null ? undefined : JSON.parse(row.output);
  }

  /**
   * A measure job's result as recorded so far: the saved result when the job finished, else the
   * records and log lines appended until now (`status` is `error` for jobs that did not succeed).
   */
  getResult(jobId: string): JobResult | undefined {
    const row = this.stmt.getJob.get(jobId);
    if (!row) return undefined;
    const result: JobResult = {
      status: row.result_status ?? (row.status === 'completed' ? 'success' : 'error'),
      script: row.result_script ?? row.script_path ?? (row.script !== null ? '<inline>' : ''),
      results: this.getRecords(jobId),
      log: this.getLog(jobId),
    };
    if (row.error !== null) result.error = row.error;
    return result;
  }

  /** Stores a buffer (a large array). `elementCount` defaults to the byte length / element size. */
  putBuffer(id: string, jobId: string | null, dataType: ArrayDataType, bytes: Uint8Array, elementCount?: number): void {
    const size = ARRAY_DATA_TYPES.includes(dataType) ? bytesPerElement(dataType) : undefined;
    if (size === undefined) throw new Error(`Job store: buffer ${id} has unknown data type ${String(dataType)}`);
    if (elementCount === undefined) {
      if (bytes.byteLength % size !== 0) {
        throw new Error(`Job store: buffer ${id} has ${bytes.byteLength} bytes, not a whole number of ${dataType} elements`);
      }
      elementCount = bytes.byteLength / size;
    }
    const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.stmt.putBuffer.run(id, jobId, dataType, elementCount, data);
  }

  getBuffer(id: string): StoredBuffer | undefined {
    const row = this.stmt.getBuffer.get(id);
    return row && { id: row.id, jobId: row.job_id, dataType: row.data_type, elementCount: row.element_count, data: row.data };
  }

  /**
   * Run once on open after an unclean stop (safe to run any time no queue is active): jobs that
   * were `running`/`canceling` become `failed` with INTERRUPTED_JOB_ERROR, keeping their partial
   * results; returns the still `queued` jobs in queue order.
   */
  recover(now: number = Date.now()): Recovery {
    return this.db.transaction((): Recovery => {
      const interrupted = [...this.listJobs('running'), ...this.listJobs('canceling')].sort((a, b) => a.seq - b.seq);
      for (const job of interrupted) {
        this.updateStatus(job.id, 'failed', { finishedAt: now, error: INTERRUPTED_JOB_ERROR });
        if (job.type === 'measure') this.stmt.setResult.run('error', job.scriptPath ?? (job.script !== undefined ? '<inline>' : ''), job.id);
        Object.assign(job, { status: 'failed', finishedAt: now, error: INTERRUPTED_JOB_ERROR });
      }
      return { queued: this.listJobs('queued'), interrupted };
    })();
  }

  /** Replaces the remembered set of running instruments. */
  saveInstruments(instruments: readonly SavedInstrument[]): void {
    const now = Date.now();
    this.batch(() => {
      this.stmt.clearInstruments.run();
      for (const i of instruments) this.stmt.putInstrument.run(i.name, i.configPath, i.pluginPath ?? null, now);
    });
  }

  /** Remembers one started instrument (replacing an older entry of the same name). */
  rememberInstrument(instrument: SavedInstrument): void {
    this.stmt.putInstrument.run(instrument.name, instrument.configPath, instrument.pluginPath ?? null, Date.now());
  }

  /** Forgets a stopped instrument. */
  forgetInstrument(name: string): void {
    this.stmt.deleteInstrument.run(name);
  }

  /** The instruments to start again for `--restore`, in the order they were saved. */
  loadInstruments(): SavedInstrument[] {
    return this.stmt.listInstruments.all().map((r) => {
      const i: SavedInstrument = { name: r.name, configPath: r.config_path };
      if (r.plugin_path !== null) i.pluginPath = r.plugin_path;
      return i;
    });
  }

  /** Runs `fn` in one transaction (nested calls join the outer one). */
  batch<T>(fn: () => T): T {
    return this.db.inTransaction ? fn() : this.db.transaction(fn)();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function rowToJob(row: JobRow): Job {
  const job: Job = {
    id: row.id,
    seq: row.seq,
    type: row.type,
    status: row.status,
    tags: JSON.parse(row.tags) as string[],
    mode: row.mode,
    params: JSON.parse(row.params) as Record<string, unknown>,
    createdAt: row.created_at,
  };
  if (row.name !== null) job.name = row.name;
  if (row.script_path !== null) job.scriptPath = row.script_path;
  if (row.script !== null) job.script = row.script;
  if (row.started_at !== null) job.startedAt = row.started_at;
  if (row.finished_at !== null) job.finishedAt = row.finished_at;
  if (row.error !== null) job.error = row.error;
  return job;
}

function isInIndexOrder(records: readonly CommandRecord[]): boolean {
  for (let i = 1; i < records.length; i++) if (records[i]!.index <= records[i - 1]!.index) return false;
  return true;
}
