// Writes a running measure job's records and log lines to the store as they arrive, batched: one
// transaction per turn of the event loop, so tens of thousands of records per second cost little
// and a crash loses at most the current turn's records.
import type { JobStore } from '../store/job-store.js';
import type { CommandRecord, LogLine } from '../results/types.js';
import type { JobProgress } from './job.js';

export class ProgressWriter implements JobProgress {
  private records: CommandRecord[] = [];
  private lines: LogLine[] = [];
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly store: JobStore,
    private readonly jobId: string,
    private readonly onError: (err: unknown) => void,
  ) {}

  record(record: CommandRecord): void {
    if (this.closed) return;
    this.records.push(record);
    this.schedule();
  }

  log(line: LogLine): void {
    if (this.closed) return;
    this.lines.push(line);
    this.schedule();
  }

  /** Writes what is pending now. */
  flush(): void {
    this.scheduled = false;
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
    } catch (err) {
      this.onError(err);
    }
  }

  /** Flushes and ignores anything reported later (the job's final result supersedes it). */
  close(): void {
    this.flush();
    this.closed = true;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }
}
