// Errors of the job queue, as named classes callers can tell apart. Each carries the HTTP status the
// RPC layer answers with (`httpStatus`) and, where useful, fields to add to the `ok:false` answer.
import type { JobStatus } from './job.js';

export class JobError extends Error {
  override name = 'JobError';
  /** HTTP status for the RPC answer. */
  readonly httpStatus: number = 400;
  /** Extra fields for the RPC answer (e.g. the job's current status). */
  readonly details?: Record<string, unknown>;
}

/** No job has this id. */
export class JobNotFoundError extends JobError {
  override name = 'JobNotFoundError';
  override readonly httpStatus = 404;
  constructor(readonly jobId: string) {
    super(`no job ${jobId}`);
  }
}

/** The job is in a state that does not allow the request (e.g. canceling a finished job). */
export class JobStateError extends JobError {
  override name = 'JobStateError';
  override readonly httpStatus = 409;
  override readonly details: { job_id: string; status: JobStatus };
  constructor(jobId: string, status: JobStatus, message: string) {
    super(message);
    this.details = { job_id: jobId, status };
  }
}

/** `job_result` on a job that has not finished, without `partial`. */
export class JobNotFinishedError extends JobStateError {
  override name = 'JobNotFinishedError';
  constructor(jobId: string, status: JobStatus) {
    super(jobId, status, `job ${jobId} is ${status}: its result is not ready yet (ask with "partial": true for the results so far)`);
  }
}

/** A submission that cannot become a job (bad parameters, script rejected by the validator, unknown type). */
export class JobSubmitError extends JobError {
  override name = 'JobSubmitError';
}

/** The queue is stopping or stopped and takes no new jobs. */
export class QueueStoppedError extends JobError {
  override name = 'QueueStoppedError';
  override readonly httpStatus = 503;
  constructor() {
    super('the job queue is stopping: no new jobs are accepted');
  }
}
