// The job queue of spec/JOB_SCHEDULING.md: one FIFO queue, one dispatcher taking jobs in order.
//   measure      → running; the script is started (by the runner the daemon plugs in) and once it has
//                  staged its commands the dispatcher moves on while instruments work. The job stays
//                  running until its last command finished, then completed or failed.
//   status, list → fast-tracked: run as soon as they are submitted, never behind measure jobs (nor
//                  behind a barrier that waits for them).
//   sleep, other → a barrier: waits until no measure job is active, then runs while the queue waits.
// Every state change is written to the JobStore and announced as a 'job' event.
// The queue knows nothing about Lua: measure jobs run through the MeasureStarter it is given.
import { EventEmitter } from 'node:events';
import type { JobStore, Recovery } from '../store/job-store.js';
import type { JobResult } from '../results/types.js';
import {
  FINISHED_STATUSES,
  toJobInfo,
  type Job,
  type JobInfo,
  type JobResultResponse,
  type JobStatus,
  type JobType,
  type MeasureExecution,
  type MeasureStarter,
  type ScriptMode,
} from './job.js';
import { JobNotFinishedError, JobNotFoundError, JobStateError, JobSubmitError, QueueStoppedError, JobError } from './errors.js';
import { ProgressWriter } from './progress-writer.js';

/** What `submit_measure` asks for. Exactly one of `scriptPath` / `script` is needed. */
export interface MeasureRequest {
  scriptPath?: string;
  script?: string;
  mode?: ScriptMode;
  name?: string;
  tags?: string[];
}

/** Runs a non-measure job (`status`, `list`, or a type of the daemon's own); its value is the job's output. */
export type JobHandler = (job: Job, signal: AbortSignal) => Promise<unknown>;

/** Where the queue reports problems it cannot hand to a caller (pino's logger fits). */
export interface QueueLogger {
  error(obj: object, msg: string): void;
}

export interface JobQueueOptions {
  store: JobStore;
  /** Starts a measure job's script (the daemon's script runner). */
  startMeasure: MeasureStarter;
  /**
   * Checks a measure submission before it is queued (script exists, syntax). Throw to refuse it;
   * return a replacement request to store e.g. the resolved path and the script's text.
   */
  validate?: (request: MeasureRequest) => Promise<MeasureRequest | void>;
  /** Handlers for `status`, `list` and any further job types. `sleep` is built in. */
  handlers?: Record<string, JobHandler>;
  /** Types that run at once instead of waiting in line. Default `status`, `list`. */
  fastTrack?: readonly string[];
  logger?: QueueLogger;
  /** Leave the dispatcher stopped until `start()` (default: it starts at once). */
  paused?: boolean;
  /** Clock for timestamps (epoch ms). */
  now?: () => number;
}

export interface SubmitOptions {
  name?: string;
  tags?: string[];
}

/** The reason recorded on a job canceled through `cancel`. */
export const CANCELED_BY_REQUEST = 'canceled by request';
/** The reason recorded on a job canceled because the queue was stopped before it finished. */
export const CANCELED_BY_STOP = 'canceled because the server stopped before the job finished';

interface ActiveJob {
  job: Job;
  /** Set for measure jobs. */
  execution?: MeasureExecution;
  progress?: ProgressWriter;
  /** The final result, when `done` resolved while the job was being canceled. */
  doneResult?: JobResult;
  /** Aborted to cancel a handler job. */
  abort?: AbortController;
  /** Settles when a handler job's handler has returned. */
  settled?: Promise<void>;
  /** The cancellation in progress. */
  canceling?: Promise<void>;
}

export interface JobQueueEvents {
  /** Every state change of every job. */
  job: [info: JobInfo];
}

export class JobQueue extends EventEmitter<JobQueueEvents> {
  private readonly store: JobStore;
  private readonly startMeasureFn: MeasureStarter;
  private readonly validate?: JobQueueOptions['validate'];
  private readonly handlers: Map<string, JobHandler>;
  private readonly fastTrack: ReadonlySet<string>;
  private readonly logger?: QueueLogger;
  private readonly now: () => number;

  /** Queued measure/sleep/other jobs in FIFO order; the head may be waiting at the barrier. */
  private readonly lane: Job[] = [];
  /** Queued fast-track jobs not yet started (only while the dispatcher is not running). */
  private readonly fastLane: Job[] = [];
  /** Jobs that are running or canceling. */
  private readonly active = new Map<string, ActiveJob>();
  /** Jobs submitted by runJob, and the error their handler threw (so runJob can rethrow it as is). */
  private readonly awaited = new Map<string, unknown>();
  private waiters: (() => void)[] = [];
  /** Callers of waitFor, by job id. */
  private readonly finishWaiters = new Map<string, Array<(info: JobInfo) => void>>();
  private dispatcher?: Promise<void>;
  /** What the store recovered when this queue was built: jobs queued again, jobs failed as interrupted. */
  readonly recovered: Recovery;
  private stopping = false;

  constructor(options: JobQueueOptions) {
    super();
    // Every waitFor() listens for 'job' events; hundreds of jobs may be awaited at once.
    this.setMaxListeners(0);
    this.store = options.store;
    this.startMeasureFn = options.startMeasure;
    this.validate = options.validate;
    this.handlers = new Map(Object.entries(options.handlers ?? {}));
    if (!this.handlers.has('sleep')) this.handlers.set('sleep', sleepHandler);
    this.fastTrack = new Set(options.fastTrack ?? ['status', 'list']);
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    // Jobs left queued by the previous run go back in line, in their order; jobs that were running
    // are marked failed by the store.
    this.recovered = this.store.recover(this.now());
    for (const job of this.recovered.queued) this.enqueue(job);
    if (!options.paused) this.start();
  }

  /** Starts dispatching (only needed with `paused: true`). */
  start(): void {
    if (this.dispatcher || this.stopping) return;
    this.dispatcher = this.dispatch();
    this.startFastTrack();
  }

  // ---- submitting -------------------------------------------------------------------------------

  /** Queues a measure job and returns its id at once (after the validator accepted it). */
  async submitMeasure(request: MeasureRequest): Promise<string> {
    this.assertAccepting();
    let req = checkMeasureRequest(request);
    if (this.validate) {
      try {
        req = checkMeasureRequest((await this.validate(req)) ?? req);
      } catch (err) {
        if (err instanceof JobError) throw err;
        throw new JobSubmitError(errorMessage(err), { cause: err });
      }
      this.assertAccepting();
    }
    const job = this.store.insertJob({
      type: 'measure',
      mode: req.mode ?? 'staged',
      ...(req.scriptPath !== undefined && { scriptPath: req.scriptPath }),
      ...(req.script !== undefined && { script: req.script }),
      ...(req.name !== undefined && { name: req.name }),
      ...(req.tags !== undefined && { tags: req.tags }),
      createdAt: this.now(),
    });
    this.admit(job);
    return job.id;
  }

  /** Queues a `sleep` job: a barrier that waits for active measure jobs, then sleeps `durationMs`. */
  submitSleep(durationMs: number, options: SubmitOptions = {}): Promise<string> {
    return this.submitJob('sleep', { duration_ms: durationMs }, options);
  }

  /** Queues a job of any type but `measure` (`sleep`, `status`, `list`, or a registered type). */
  async submitJob(type: JobType, params: Record<string, unknown> = {}, options: SubmitOptions = {}): Promise<string> {
    return this.submitHandlerJob(type, params, options, false);
  }

  private async submitHandlerJob(type: JobType, params: Record<string, unknown>, options: SubmitOptions, awaited: boolean): Promise<string> {
    this.assertAccepting();
    if (type === 'measure') throw new JobSubmitError('measure jobs are submitted with submitMeasure');
    if (!this.handlers.has(type)) {
      throw new JobSubmitError(`unknown job type "${type}"; known types: ${['measure', ...this.handlers.keys()].join(', ')}`);
    }
    if (type === 'sleep') {
      const ms = params['duration_ms'];
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
        throw new JobSubmitError('sleep job: duration_ms must be a number of milliseconds ≥ 0');
      }
    }
    checkSubmitOptions(options);
    const job = this.store.insertJob({ type, params, ...options, createdAt: this.now() });
    if (awaited) this.awaited.set(job.id, undefined);
    this.admit(job);
    return job.id;
  }

  /**
   * Submits a job and waits for it: resolves with its output; when its handler threw, rejects with
   * that same error (so its message and class reach the caller unchanged).
   */
  async runJob(type: JobType, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = await this.submitHandlerJob(type, params, {}, true);
    try {
      const info = await this.waitFor(id);
      if (info.status === 'completed') return this.store.getOutput(id);
      const thrown = this.awaited.get(id);
      if (thrown instanceof Error) throw thrown;
      throw new JobStateError(id, info.status, `${type} job ${id} ${info.status}: ${info.error ?? 'no reason given'}`);
    } finally {
      this.awaited.delete(id);
    }
  }

  // ---- asking -----------------------------------------------------------------------------------

  /** `job_status`: the job's type, state and timestamps. */
  jobStatus(id: string): JobInfo {
    return toJobInfo(this.getJob(id));
  }

  /** `job_list`: every job the store knows, in submission order. */
  jobList(filter: { status?: JobStatus | JobStatus[]; type?: string; limit?: number } = {}): JobInfo[] {
    const statuses = filter.status === undefined ? undefined : new Set(Array.isArray(filter.status) ? filter.status : [filter.status]);
    let jobs = this.store.listJobs().filter((job) => (!statuses || statuses.has(job.status)) && (filter.type === undefined || job.type === filter.type));
    // `limit` keeps the most recent jobs, still oldest first.
    if (filter.limit !== undefined && jobs.length > filter.limit) jobs = jobs.slice(jobs.length - filter.limit);
    return jobs.map(toJobInfo);
  }

  /**
   * `job_result`: for a finished measure job its JobResult; for other jobs their output. Before the
   * job finished this throws JobNotFinishedError (with the current status) unless `partial` is set,
   * then it returns the records and log lines gathered so far.
   */
  jobResult(id: string, options: { partial?: boolean } = {}): JobResultResponse {
    const job = this.getJob(id);
    if (FINISHED_STATUSES.has(job.status)) {
      const result = job.type === 'measure' ? this.store.getResult(id) : (this.store.getOutput(id) ?? null);
      return { job_id: id, status: job.status, result };
    }
    if (!options.partial) throw new JobNotFinishedError(id, job.status);
    if (job.type !== 'measure') return { job_id: id, status: job.status, partial: true, result: null };
    const active = this.active.get(id);
    active?.progress?.flush();
    const results = active?.execution ? active.execution.partialResults() : this.store.getRecords(id);
    return {
      job_id: id,
      status: job.status,
      partial: true,
      result: { script: scriptLabel(job), results, log: this.store.getLog(id) },
    };
  }

  /** Resolves once the job is completed, failed or canceled. */
  waitFor(id: string): Promise<JobInfo> {
    const info = this.jobStatus(id);
    if (FINISHED_STATUSES.has(info.status)) return Promise.resolve(info);
    // Kept by job id (not as 'job' listeners), so thousands of waiting clients cost nothing per event.
    return new Promise((resolve) => {
      const waiting = this.finishWaiters.get(id);
      if (waiting) waiting.push(resolve);
      else this.finishWaiters.set(id, [resolve]);
    });
  }

  /** Number of measure jobs that are running or canceling. */
  get activeMeasureJobs(): number {
    let n = 0;
    for (const a of this.active.values()) if (a.job.type === 'measure') n++;
    return n;
  }

  // ---- canceling --------------------------------------------------------------------------------

  /**
   * `job_cancel`: a queued job is canceled at once; a running one goes to `canceling`, its execution
   * is stopped (results gathered so far are kept), then `canceled`. A finished job → JobStateError.
   * With `wait: false` this returns as soon as the job is `canceling`.
   */
  async cancel(id: string, options: { wait?: boolean } = {}): Promise<JobInfo> {
    return this.cancelJob(id, CANCELED_BY_REQUEST, options.wait ?? true);
  }

  private async cancelJob(id: string, reason: string, wait: boolean): Promise<JobInfo> {
    const queued = this.lane.find((j) => j.id === id) ?? this.fastLane.find((j) => j.id === id);
    if (queued) {
      removeFrom(this.lane, queued);
      removeFrom(this.fastLane, queued);
      this.transition(queued, 'canceled', { finishedAt: this.now(), error: reason });
      return toJobInfo(queued);
    }
    const active = this.active.get(id);
    if (!active) {
      const job = this.getJob(id);
      if (job.status === 'queued') {
        // Known to the store but not to this queue (it was stopped before the job was loaded).
        this.transition(job, 'canceled', { finishedAt: this.now(), error: reason });
        return toJobInfo(job);
      }
      throw new JobStateError(id, job.status, `job ${id} is already ${job.status}`);
    }
    active.canceling ??= this.cancelActive(active, reason);
    if (wait) await active.canceling;
    return toJobInfo(active.job);
  }

  private async cancelActive(active: ActiveJob, reason: string): Promise<void> {
    const { job } = active;
    this.transition(job, 'canceling', {});
    let error = reason;
    if (active.execution) {
      try {
        await active.execution.cancel();
      } catch (err) {
        error = `${reason} (stopping the script failed: ${errorMessage(err)})`;
      }
      active.progress?.close();
      const results = active.doneResult?.results ?? safely(() => active.execution!.partialResults(), []);
      const log = active.doneResult?.log ?? this.store.getLog(job.id);
      this.persist(() => this.store.saveResult(job.id, { status: 'error', script: active.doneResult?.script ?? scriptLabel(job), results, log, error }));
    } else {
      active.abort?.abort();
      await active.settled;
    }
    this.active.delete(job.id);
    this.transition(job, 'canceled', { finishedAt: this.now(), error });
  }

  // ---- stopping ---------------------------------------------------------------------------------

  /** Stops taking jobs from the queue and waits for running jobs to finish. Queued jobs stay queued in the store. */
  async drain(): Promise<void> {
    this.stopping = true;
    this.notify();
    await this.dispatcher;
    await this.until(() => this.active.size === 0);
  }

  /**
   * Graceful stop: like `drain`, but jobs still running after `timeoutMs` are canceled (their results
   * so far kept). Queued jobs stay queued in the store and run after a restart.
   */
  async stop(options: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const drained = this.drain();
    try {
      if ((await Promise.race([drained, timedOut])) === 'timeout') {
        await Promise.all([...this.active.keys()].map((id) => this.cancelJob(id, CANCELED_BY_STOP, true).catch(() => undefined)));
        await drained;
      }
    } finally {
      clearTimeout(timer);
    }
  }

  // ---- the dispatcher ---------------------------------------------------------------------------

  private async dispatch(): Promise<void> {
    while (!this.stopping) {
      const job = this.lane[0];
      if (!job) {
        await this.changed();
        continue;
      }
      try {
        if (job.type === 'measure') {
          this.lane.shift();
          await this.runMeasure(job);
        } else if (this.activeMeasureJobs > 0) {
          // The barrier: the job stays queued at the head until the last measure job is done.
          await this.changed();
        } else {
          this.lane.shift();
          await this.runHandlerJob(job);
        }
      } catch (err) {
        this.logger?.error({ err, job_id: job.id }, `job queue: dispatching job ${job.id} failed`);
      }
    }
  }

  private async runMeasure(job: Job): Promise<void> {
    this.transition(job, 'running', { startedAt: this.now() });
    const progress = new ProgressWriter(this.store, job.id, (err) =>
      this.logger?.error({ err, job_id: job.id }, `job queue: saving progress of job ${job.id} failed`),
    );
    let execution: MeasureExecution;
    try {
      execution = this.startMeasureFn(job, progress);
    } catch (err) {
      progress.close();
      this.persist(() =>
        this.store.saveResult(job.id, { status: 'error', script: scriptLabel(job), results: [], log: this.store.getLog(job.id), error: errorMessage(err) }),
      );
      this.transition(job, 'failed', { finishedAt: this.now(), error: errorMessage(err) });
      return;
    }
    const active: ActiveJob = { job, execution, progress };
    this.active.set(job.id, active);
    execution.done.then(
      (result) => this.measureDone(active, result),
      (err) =>
        this.measureDone(active, {
          status: 'error',
          script: scriptLabel(job),
          results: safely(() => execution.partialResults(), []),
          log: this.store.getLog(job.id),
          error: errorMessage(err),
        }),
    );
    // Move on once the script has staged its commands (or the job already left `running`).
    await Promise.race([execution.staged.catch(() => undefined), this.until(() => job.status !== 'running')]);
  }

  private measureDone(active: ActiveJob, result: JobResult): void {
    const { job } = active;
    if (job.status !== 'running') {
      active.doneResult = result; // the cancellation in progress records it
      return;
    }
    const progress = active.progress;
    progress?.close();
    // The records and log lines were written as they came; write them again only if some are missing.
    this.persist(() => (progress?.covers(result) ? this.store.saveResultSummary(job.id, result) : this.store.saveResult(job.id, result)));
    this.active.delete(job.id);
    if (result.status === 'success') this.transition(job, 'completed', { finishedAt: this.now() });
    else this.transition(job, 'failed', { finishedAt: this.now(), error: result.error ?? firstCommandError(result) ?? 'the script failed' });
  }

  /** Runs a sleep/status/list/other job through its handler. */
  private async runHandlerJob(job: Job): Promise<void> {
    const handler = this.handlers.get(job.type);
    this.transition(job, 'running', { startedAt: this.now() });
    const abort = new AbortController();
    let settle!: () => void;
    const active: ActiveJob = { job, abort, settled: new Promise<void>((r) => (settle = r)) };
    this.active.set(job.id, active);
    let output: unknown;
    let error: string | undefined;
    try {
      if (!handler) throw new Error(`no handler for job type "${job.type}"`);
      output = await handler(job, abort.signal);
    } catch (err) {
      error = errorMessage(err);
      if (this.awaited.has(job.id)) this.awaited.set(job.id, err);
    }
    settle();
    if (job.status !== 'running') return; // canceled meanwhile: cancelActive finishes it
    this.active.delete(job.id);
    if (error === undefined) {
      this.persist(() => this.store.saveOutput(job.id, output));
      this.transition(job, 'completed', { finishedAt: this.now() });
    } else {
      this.transition(job, 'failed', { finishedAt: this.now(), error });
    }
  }

  // ---- plumbing ---------------------------------------------------------------------------------

  private admit(job: Job): void {
    this.enqueue(job);
    this.emitJob(job);
    this.notify();
    if (this.fastTrack.has(job.type)) this.startFastTrack();
  }

  private enqueue(job: Job): void {
    (this.fastTrack.has(job.type) ? this.fastLane : this.lane).push(job);
  }

  private startFastTrack(): void {
    if (!this.dispatcher || this.stopping) return;
    while (this.fastLane.length > 0) {
      const job = this.fastLane.shift()!;
      void this.runHandlerJob(job).catch((err) => this.logger?.error({ err, job_id: job.id }, `job queue: running job ${job.id} failed`));
    }
  }

  private getJob(id: string): Job {
    const job = this.active.get(id)?.job ?? this.store.getJob(id);
    if (!job) throw new JobNotFoundError(id);
    return job;
  }

  private assertAccepting(): void {
    if (this.stopping) throw new QueueStoppedError();
  }

  /** Changes a job's state: in memory, in the store, then tells listeners and the dispatcher. */
  private transition(job: Job, status: JobStatus, fields: { startedAt?: number; finishedAt?: number; error?: string }): void {
    job.status = status;
    if (fields.startedAt !== undefined) job.startedAt = fields.startedAt;
    if (fields.finishedAt !== undefined) job.finishedAt = fields.finishedAt;
    if (fields.error !== undefined) job.error = fields.error;
    this.persist(() => this.store.updateStatus(job.id, status, fields));
    this.emitJob(job);
    this.notify();
  }

  private emitJob(job: Job): void {
    const info = toJobInfo(job);
    try {
      this.emit('job', info);
    } catch (err) {
      this.logger?.error({ err, job_id: job.id }, `job queue: a 'job' listener threw for ${job.id}`);
    }
    const waiting = FINISHED_STATUSES.has(job.status) ? this.finishWaiters.get(job.id) : undefined;
    if (waiting) {
      this.finishWaiters.delete(job.id);
      for (const resolve of waiting) resolve(info);
    }
  }

  private persist(write: () => void): void {
    try {
      write();
    } catch (err) {
      this.logger?.error({ err }, 'job queue: writing to the job store failed');
    }
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private async until(condition: () => boolean): Promise<void> {
    while (!condition()) await this.changed();
  }
}

/** The built-in `sleep` job: cancelable. */
const sleepHandler: JobHandler = (job, signal) =>
  new Promise((resolve) => {
    const ms = Number(job.params['duration_ms'] ?? 0);
    const started = Date.now();
    const timer = setTimeout(() => resolve({ slept_ms: ms }), ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve({ slept_ms: Date.now() - started });
      },
      { once: true },
    );
  });

function checkMeasureRequest(request: MeasureRequest): MeasureRequest {
  const hasPath = typeof request.scriptPath === 'string' && request.scriptPath.length > 0;
  const hasText = typeof request.script === 'string';
  if (!hasPath && !hasText) throw new JobSubmitError('submit_measure needs "script_path" (a script file) or "script" (inline script text)');
  if (request.scriptPath !== undefined && !hasPath) throw new JobSubmitError('script_path must be a non-empty string');
  if (request.mode !== undefined && request.mode !== 'staged' && request.mode !== 'interactive') {
    throw new JobSubmitError(`mode must be "staged" or "interactive", not ${JSON.stringify(request.mode)}`);
  }
  checkSubmitOptions(request);
  return request;
}

function checkSubmitOptions(options: SubmitOptions): void {
  if (options.name !== undefined && typeof options.name !== 'string') throw new JobSubmitError('name must be a string');
  if (options.tags !== undefined && (!Array.isArray(options.tags) || options.tags.some((t) => typeof t !== 'string'))) {
    throw new JobSubmitError('tags must be an array of strings');
  }
}

function scriptLabel(job: Job): string {
  return job.scriptPath ?? '<inline>';
}

function firstCommandError(result: JobResult): string | undefined {
  const failed = result.results.find((r) => r.error !== undefined);
  return failed && `${failed.instrument}.${failed.verb}: ${failed.error}`;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function safely<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

function removeFrom<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}
