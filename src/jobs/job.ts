// What a job is: its type, its state and the fields that travel over RPC. Declared once here and
// used by the queue (jobs/job-queue.ts), the store (store/job-store.ts) and the RPC layer.
import type { CommandRecord, JobResult, LogLine } from '../results/types.js';

/** The six states of JOB_SCHEDULING.md, exactly. */
export const JOB_STATUSES = ['queued', 'running', 'completed', 'failed', 'canceling', 'canceled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** States a job never leaves. */
export const FINISHED_STATUSES: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'canceled']);

/** `measure`, `sleep`, `status`, `list`, or any other type the daemon registers a handler for. */
export type JobType = 'measure' | 'sleep' | 'status' | 'list' | (string & {});

/** `staged` (default): calls return pending handles; `interactive`: calls return values. */
export type ScriptMode = 'staged' | 'interactive';

export interface Job {
  /** `job_YYYYMMDD_HHMMSS_<6 hex>` (UTC). */
  id: string;
  /** Position in submission order; the queue runs queued jobs by ascending `seq`. */
  seq: number;
  type: JobType;
  status: JobStatus;
  name?: string;
  tags: string[];
  mode: ScriptMode;
  /** Resolved path of the script file, when the job was submitted with `script_path`. */
  scriptPath?: string;
  /** Script text (inline, or the file's text as read at submit time when the validator supplied it). */
  script?: string;
  /** Type-specific parameters, e.g. `{ duration_ms }` for `sleep`, `{ name }` for `status`. */
  params: Record<string, unknown>;
  /** Epoch ms. */
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** Why the job failed or was canceled. */
  error?: string;
}

/** A job as `job_status` and `job_list` report it (wire format, snake_case). */
export interface JobInfo {
  job_id: string;
  type: JobType;
  status: JobStatus;
  created_at: number;
  started_at?: number;
  finished_at?: number;
  error?: string;
  name?: string;
  tags?: string[];
  script_path?: string;
}

export function toJobInfo(job: Job): JobInfo {
  const info: JobInfo = { job_id: job.id, type: job.type, status: job.status, created_at: job.createdAt };
  if (job.startedAt !== undefined) info.started_at = job.startedAt;
  if (job.finishedAt !== undefined) info.finished_at = job.finishedAt;
  if (job.error !== undefined) info.error = job.error;
  if (job.name !== undefined) info.name = job.name;
  if (job.tags.length > 0) info.tags = [...job.tags];
  if (job.scriptPath !== undefined) info.script_path = job.scriptPath;
  return info;
}

/** A measure job's result before it finished: the records and log lines gathered so far. */
export type PartialJobResult = Omit<JobResult, 'status'> & { status?: JobResult['status'] };

/** What `job_result` answers (wire format). `result` is a JobResult for measure jobs, the handler's output otherwise. */
export interface JobResultResponse {
  job_id: string;
  status: JobStatus;
  /** True when the job has not finished and the caller asked for the results so far. */
  partial?: boolean;
  result: JobResult | PartialJobResult | unknown;
}

/**
 * One running measure job, as provided by the script runner (the daemon wires it in).
 * The queue never looks inside: it only waits on `staged` and `done` and may call `cancel`.
 */
export interface MeasureExecution {
  /** Script finished staging (or blocks on a handle): the dispatcher moves on to the next job. */
  readonly staged: Promise<void>;
  /** Last command finished (status success|error). Never rejects. */
  readonly done: Promise<JobResult>;
  /** Drop unsent commands, stop the script; resolves when stopped. */
  cancel(): Promise<void>;
  /** Records gathered so far, in execution order. */
  partialResults(): CommandRecord[];
}

/**
 * Where a running measure job may report progress as it happens, so that results gathered before a
 * crash survive it. Optional for the runner: `done`'s JobResult is authoritative at the end.
 * Writes are batched; calling these on the hot path is cheap.
 */
export interface JobProgress {
  record(record: CommandRecord): void;
  log(line: LogLine): void;
}

export type MeasureStarter = (job: Job, progress: JobProgress) => MeasureExecution;
