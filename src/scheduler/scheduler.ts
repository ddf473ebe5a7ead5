// The scheduler owns one lane per instrument and hands each job a sequencer. Between jobs,
// order is kept by the lanes (admission order); inside a job, by the sequencer's segments.
import type { BufferStore } from '../results/buffer-store.js';
import { InstrumentLane, type CommandTarget } from './instrument-lane.js';
import { JobSequencer } from './job-sequencer.js';

export interface SchedulerOptions {
  /** The running instrument of that name, if any (looked up when a command is sent). */
  target(name: string): CommandTarget | undefined;
  buffers: BufferStore;
  /** Commands one lane may have in flight at its worker (default 256). */
  window?: number;
  bufferThreshold?: number;
}

export class Scheduler {
  private readonly lanes = new Map<string, InstrumentLane>();

  constructor(private readonly options: SchedulerOptions) {}

  /** The lane of an instrument; created on first use while the instrument runs. */
  lane(name: string): InstrumentLane | undefined {
    let lane = this.lanes.get(name);
    if (!lane && this.options.target(name)) {
      lane = new InstrumentLane(name, () => this.options.target(name), this.options.window);
      this.lanes.set(name, lane);
    }
    return lane;
  }

  /** A fresh sequencer for one job's script. */
  sequencer(jobId: string): JobSequencer {
    return new JobSequencer({
      jobId,
      lane: (name) => this.lane(name),
      buffers: this.options.buffers,
      bufferThreshold: this.options.bufferThreshold,
    });
  }

  /** Commands waiting in lanes (admitted, not yet sent), per instrument. */
  backlog(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, lane] of this.lanes) out[name] = lane.waiting + lane.sending;
    return out;
  }
}
