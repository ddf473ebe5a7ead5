// The job queue (spec/JOB_SCHEDULING.md): jobs, their states, the queue and its errors.
export { JobQueue, CANCELED_BY_REQUEST, CANCELED_BY_STOP } from './job-queue.js';
export type { JobQueueOptions, JobQueueEvents, JobHandler, MeasureRequest, SubmitOptions, QueueLogger } from './job-queue.js';
export { JOB_STATUSES, FINISHED_STATUSES, toJobInfo } from './job.js';
export type {
  Job,
  JobInfo,
  JobStatus,
  JobType,
  ScriptMode,
  JobResultResponse,
  PartialJobResult,
  MeasureExecution,
  MeasureStarter,
  JobProgress,
} from './job.js';
export { JobError, JobNotFoundError, JobStateError, JobNotFinishedError, JobSubmitError, QueueStoppedError } from './errors.js';
