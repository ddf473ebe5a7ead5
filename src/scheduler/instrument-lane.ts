// One lane per instrument: the single FIFO through which every job's commands reach that
// instrument. Commands leave the lane strictly in the order they were admitted (so between
// jobs each instrument executes commands in submission order), but only once the gate of
// their segment is open (so inside a job they take effect in program order). Consecutive
// ready commands are pipelined to the worker, up to `window` in flight.
import type { BoundParams } from '../config/types.js';
import type { CommandOutcome } from '../instruments/instrument.js';
import { Gate } from './gate.js';

export interface LaneCommand {
  verb: string;
  params: BoundParams;
  channel?: number;
  timeoutMs?: number;
}

/** Where a lane sends its commands: the running instrument (looked up at send time, so restarts are seen). */
export interface CommandTarget {
  execute(command: LaneCommand): Promise<CommandOutcome>;
}

export interface LaneEntry {
  jobId: string;
  command: LaneCommand;
  /** The entry may be sent once this gate is open. */
  gate: Gate;
  /** Called exactly once with the outcome (also when the entry is dropped before being sent). */
  settle(outcome: CommandOutcome): void;
}

export class InstrumentLane {
  private queue: Array<LaneEntry | undefined> = [];
  private head = 0;
  private inFlight = 0;
  private blockedOn: Gate | null = null;
  private pumping = false;

  constructor(
    readonly name: string,
    private readonly resolveTarget: () => CommandTarget | undefined,
    private readonly window = 256,
  ) {}

  /** Commands admitted but not yet sent to the instrument. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  get sending(): number {
    return this.inFlight;
  }

  enqueue(entry: LaneEntry): void {
    this.queue.push(entry);
    this.pump();
  }

  /**
   * Drops every command of `jobId` that has not been sent yet; each is settled as failed with
   * `reason`. Commands already at the instrument complete normally. Returns how many were dropped.
   */
  dropJob(jobId: string, reason: string): number {
    const kept: Array<LaneEntry | undefined> = [];
    const dropped: LaneEntry[] = [];
    for (let i = this.head; i < this.queue.length; i++) {
      const entry = this.queue[i]!;
      (entry.jobId === jobId ? dropped : kept).push(entry);
    }
    if (dropped.length === 0) return 0;
    this.queue = kept;
    this.head = 0;
    this.blockedOn = null;
    const now = Date.now();
    for (const entry of dropped) entry.settle({ ok: false, error: reason, startedAt: now, finishedAt: now });
    this.pump();
    return dropped.length;
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.head < this.queue.length && this.inFlight < this.window) {
        const entry = this.queue[this.head]!;
        if (!entry.gate.isOpen) {
          if (this.blockedOn !== entry.gate) {
            this.blockedOn = entry.gate;
            const gate = entry.gate;
            gate.whenOpen(() => {
              if (this.blockedOn === gate) this.blockedOn = null;
              this.pump();
            });
          }
          return;
        }
        this.queue[this.head++] = undefined;
        this.send(entry);
      }
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
    } finally {
      this.pumping = false;
    }
  }

  private send(entry: LaneEntry): void {
    const target = this.resolveTarget();
    if (!target) {
      const now = Date.now();
      entry.settle({ ok: false, error: `Instrument ${this.name} is not running`, startedAt: now, finishedAt: now });
      return;
    }
    this.inFlight++;
    target.execute(entry.command).then(
      (outcome) => this.finish(entry, outcome),
      (error: unknown) => {
        const now = Date.now();
        this.finish(entry, { ok: false, error: `Instrument ${this.name}: ${error instanceof Error ? error.message : String(error)}`, startedAt: now, finishedAt: now });
      },
    );
  }

  private finish(entry: LaneEntry, outcome: CommandOutcome): void {
    this.inFlight--;
    entry.settle(outcome);
    this.pump();
  }
}
