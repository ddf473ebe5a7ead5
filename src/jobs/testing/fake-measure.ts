// A stand-in for the script runner, for the queue's tests: each measure job gets a FakeMeasure whose
// staging and completion the test drives by hand.
import { EventEmitter, once } from 'node:events';
import type { CommandRecord, JobResult } from '../../results/types.js';
import type { Job, JobProgress, MeasureExecution, MeasureStarter } from '../job.js';

export class FakeMeasure implements MeasureExecution {
  readonly staged: Promise<void>;
  readonly done: Promise<JobResult>;
  readonly records: CommandRecord[] = [];
  cancelCalls = 0;
  private stageNow!: () => void;
  private resolveDone!: (result: JobResult) => void;
  private finished = false;

  constructor(
    readonly job: Job,
    readonly progress: JobProgress,
  ) {
    this.staged = new Promise((resolve) => (this.stageNow = resolve));
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  /** The script has handed all its commands over. */
  stage(): void {
    this.stageNow();
  }

  /** One command finished at an instrument. */
  complete(instrument: string, verb: string, value = 1.5): CommandRecord {
    const record: CommandRecord = {
      index: this.records.length,
      instrument,
      verb,
      params: {},
      executed_at_ms: Date.now(),
      return: { type: 'double', value },
    };
    this.records.push(record);
    this.progress.record(record);
    return record;
  }

  /** The last command finished. */
  finish(status: 'success' | 'error' = 'success', error?: string): void {
    if (this.finished) return;
    this.finished = true;
    this.stageNow();
    this.resolveDone({
      status,
      script: this.job.scriptPath ?? '<inline>',
      results: [...this.records],
      log: [{ at_ms: Date.now(), level: 'print', message: `ran ${this.records.length} commands` }],
      ...(error !== undefined && { error }),
    });
  }

  async cancel(): Promise<void> {
    this.cancelCalls++;
    this.finish('error', 'canceled');
  }

  partialResults(): CommandRecord[] {
    return [...this.records];
  }
}

/** Creates FakeMeasures and lets a test wait until the queue started a given job. */
export class FakeRunner extends EventEmitter<{ start: [FakeMeasure] }> {
  readonly runs = new Map<string, FakeMeasure>();
  readonly startOrder: string[] = [];

  readonly start: MeasureStarter = (job, progress) => {
    const run = new FakeMeasure(job, progress);
    this.runs.set(job.id, run);
    this.startOrder.push(job.id);
    this.emit('start', run);
    return run;
  };

  /** The job's FakeMeasure, once the queue has started it. */
  async started(jobId: string): Promise<FakeMeasure> {
    for (;;) {
      const run = this.runs.get(jobId);
      if (run) return run;
      await once(this, 'start');
    }
  }
}
