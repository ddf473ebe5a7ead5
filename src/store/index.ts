// Storage (SPEC part 13): jobs, results, logs, buffers and the last running instruments, in SQLite.
export { JobStore, STORE_FILE_NAME, INTERRUPTED_JOB_ERROR } from './job-store.js';
export type { NewJob, JobStatusFields, StoredBuffer, SavedInstrument, Recovery } from './job-store.js';
export { JobIdGenerator, JOB_ID_PATTERN } from './job-id.js';
