// One measure job in execution: its Lua script (script/) feeding its sequencer (scheduler/).
// Reports the two moments the job queue needs (SPEC part 11): `staged`, when the script has
// handed over its commands or holds its place waiting on a handle, and `done`, when the last
// command has finished.
import { EventEmitter } from 'node:events';
import type { LoadedInstrument } from '../config/types.js';
import type { CommandRecord, JobResult, LogLine } from '../results/types.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { JobSequencer } from '../scheduler/job-sequencer.js';
import type { ScriptExecution, ScriptRunner } from '../script/index.js';

export type ScriptMode = 'staged' | 'interactive';

export interface MeasureRunOptions {
  jobId: string;
  source: string;
  /** Shown in results and error messages: the script's path, or `<inline>`. */
  scriptName: string;
  /** Folder `require` searches first (the script's folder). */
  scriptDir?: string;
  mode: ScriptMode;
  instruments: Map<string, LoadedInstrument>;
  runner: ScriptRunner;
  scheduler: Scheduler;
  timeLimitMs?: number;
  memoryLimitBytes?: number;
}

/** Events: `record` (CommandRecord), `log` (LogLine). */
export class MeasureRun extends EventEmitter {
  readonly staged: Promise<void>;
  readonly done: Promise<JobResult>;
  private readonly execution: ScriptExecution;
  private readonly sequencer: JobSequencer;
  private cancelReason: string | null = null;

  constructor(options: MeasureRunOptions) {
    super();
    const sequencer = options.scheduler.sequencer(options.jobId);
    this.sequencer = sequencer;
    sequencer.on('record', (record: CommandRecord) => this.emit('record', record));
    sequencer.on('log', (line: LogLine) => this.emit('log', line));
    this.execution = options.runner.run(
      {
        source: options.source,
        chunkName: options.scriptName,
        scriptDir: options.scriptDir,
        mode: options.mode,
        instruments: options.instruments,
        timeLimitMs: options.timeLimitMs,
        memoryLimitBytes: options.memoryLimitBytes,
      },
      sequencer,
    );
    this.staged = this.execution.staged;
    this.done = this.finish(options.scriptName);
  }

  /** Results recorded so far, in index order. */
  partialResults(): CommandRecord[] {
    return this.sequencer.results;
  }

  /**
   * Stops the script at once, drops its commands not yet sent to an instrument, and resolves
   * when the commands already at instruments have completed.
   */
  async cancel(reason = 'job canceled'): Promise<void> {
    if (this.cancelReason === null) {
      this.cancelReason = reason;
      this.sequencer.cancel(`canceled before it was sent: ${reason}`);
      this.execution.cancel(reason);
    }
    await this.done;
  }

  private async finish(scriptName: string): Promise<JobResult> {
    const ended = await this.execution.ended;
    await this.sequencer.barrier();
    const error = this.cancelReason ?? (ended.ok ? undefined : ended.error);
    const result: JobResult = {
      status: error === undefined ? 'success' : 'error',
      script: scriptName,
      results: this.sequencer.results,
      log: this.sequencer.logLines,
    };
    if (error !== undefined) result.error = error;
    return result;
  }
}
