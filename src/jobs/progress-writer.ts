// Writes a running measure job's records and log lines to the store as they arrive, batched: one
// transaction at most every FLUSH_INTERVAL_MS (or per FLUSH_RECORDS records), so a job whose
// commands finish one at a time (interactive scripts) does not pay a disk commit per command,
// and a crash loses at most the last interval's records of the running job. Finished jobs lose
// nothing: their final result is written when they finish.
import type { JobStore } from '../store/job-store.js';
import type { CommandRecord, JobResult, LogLine } from '../results/types.js';
import type { JobProgress } from './job.js';

const FLUSH_INTERVAL_MS = 50;
const FLUSH_RECORDS = 1000;

export class ProgressWriter implements JobProgress {
  private records: CommandRecord[] = [];
  private lines: LogLine[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** How many records and log lines reached the store. */
  private recordsWritten = 0;
  private linesWritten = 0;

  constructor(
    private readonly store: JobStore,
    private readonly jobId: string,
    private readonly onError: (err: unknown) => void,
  ) {}

  record(record: CommandRecord): void {
    if (this.closed) return;
    this.records.push(record);
    if (this.records.length >= FLUSH_RECORDS) this.flush();
    else this.schedule();
  }

  log(line: LogLine): void {
    if (this.closed) return;
    this.lines.push(line);
    this.schedule();
  }

  /** Writes what is pending now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed || (this.records.length === 0 && this.lines.length === 0)) return;
    const records = this.records;
    const lines = this.lines;
    this.records = [];
    this.lines = [];
    try {
      this.store.batch(() => {
        this.store.appendRecords(this.jobId, records);
        this.store.appendLog(this.jobId, lines);
      });
      this.recordsWritten += records.length;
      this.linesWritten += lines.length;
    } catch (err) {
      this.onError(err);
    }
  }

  /** Whether everything of `result` already is in the store, so it need not be written again. */
  covers(result: JobResult): boolean {
    return this.recordsWritten === result.results.length && this.linesWritten === result.log.length;
  }

  /** Flushes and ignores anything reported later (the job's final result supersedes it). */
  close(): void {
    this.flush();
    this.closed = true;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }
}
