// Keeps one job's commands in program order across instruments (SPEC part 10).
//
// The calls of a script are cut into segments. Outside `context:parallel` a segment is a run
// of consecutive calls to the same instrument: they may be pipelined to its worker without
// waiting for each other. A call to another instrument starts a new segment, and a segment
// may only start once every command of the segments before it has completed. A parallel block
// is one segment holding all its calls, whatever the instruments: they are issued together,
// and the segment after it waits for all of them (the barrier).
//
// Segments gate commands; the instrument lanes keep the order between jobs. Every gate waits
// only on commands admitted earlier, so no arrangement of jobs can deadlock.
import { EventEmitter } from 'node:events';
import type { CommandOutcome } from '../instruments/instrument.js';
import type { CommandRecord, LogLine } from '../results/types.js';
import type { BufferStore } from '../results/buffer-store.js';
import { toNumberArray } from '../results/buffer-store.js';
import { toReturnValue, DEFAULT_BUFFER_THRESHOLD } from '../results/return-value.js';
import type { RejectedCall, ScriptCall, ScriptHost, WaitValue } from '../script/index.js';
import { Gate } from './gate.js';
import type { InstrumentLane } from './instrument-lane.js';

class Segment {
  readonly gate: Gate;
  remaining = 0;
  sealed = false;
  next: Segment | null = null;

  /** `instrument` is null for a parallel block. */
  constructor(readonly instrument: string | null, gate: Gate) {
    this.gate = gate;
  }
}

export interface JobSequencerOptions {
  jobId: string;
  /** The lane of an instrument by name (undefined when no such instrument was ever started). */
  lane(name: string): InstrumentLane | undefined;
  buffers: BufferStore;
  bufferThreshold?: number;
}

/**
 * Events: `record` (CommandRecord, when a call has finished or failed), `log` (LogLine).
 */
export class JobSequencer extends EventEmitter implements ScriptHost {
  readonly jobId: string;
  private readonly records: CommandRecord[] = [];
  private readonly log_: LogLine[] = [];
  private readonly waiters = new Map<number, Array<(value: WaitValue) => void>>();
  private readonly finished = new Map<number, WaitValue>();
  private readonly lanesUsed = new Set<InstrumentLane>();
  private current: Segment;
  private inParallel = false;
  private outstanding = 0;
  private idleWaiters: Array<() => void> = [];
  private canceledReason: string | null = null;

  constructor(private readonly options: JobSequencerOptions) {
    super();
    this.jobId = options.jobId;
    this.current = new Segment(null, Gate.OPEN);
    this.current.sealed = false;
  }

  /** Every call recorded so far, by index. */
  get results(): CommandRecord[] {
    return this.records.filter((record) => record !== undefined);
  }

  get logLines(): LogLine[] {
    return this.log_;
  }

  /** Commands issued and not yet completed. */
  get pending(): number {
    return this.outstanding;
  }

  // ScriptHost

  call(calls: ScriptCall[]): void {
    for (const call of calls) this.issue(call);
  }

  rejected(call: RejectedCall): void {
    // Never started: no timings, only the error (records stay in index order).
    this.record({
      index: call.index,
      instrument: call.instrument,
      verb: call.verb,
      params: call.params as CommandRecord['params'],
      error: call.error,
    });
    this.finished.set(call.index, { ok: false, error: call.error });
  }

  parallelBegin(): void {
    this.startSegment(null);
    this.inParallel = true;
  }

  parallelEnd(): void {
    this.inParallel = false;
    this.current.sealed = true;
    this.advance(this.current);
  }

  wait(index: number): Promise<WaitValue> {
    const done = this.finished.get(index);
    if (done) return Promise.resolve(done);
    return new Promise((resolve) => {
      const list = this.waiters.get(index);
      if (list) list.push(resolve);
      else this.waiters.set(index, [resolve]);
    });
  }

  barrier(): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  fetchBuffer(bufferId: string): Promise<number[]> {
    const buffer = this.options.buffers.get(bufferId);
    if (!buffer) return Promise.reject(new Error(`no buffer with id ${bufferId}`));
    return Promise.resolve(toNumberArray(buffer.data));
  }

  log(line: LogLine): void {
    this.log_.push(line);
    this.emit('log', line);
  }

  /**
   * Drops every command of this job not yet sent to an instrument (each recorded as failed with
   * `reason`) and refuses further calls. Commands already at an instrument complete normally.
   */
  cancel(reason: string): void {
    if (this.canceledReason !== null) return;
    this.canceledReason = reason;
    for (const lane of this.lanesUsed) lane.dropJob(this.jobId, reason);
  }

  // Segments and lanes

  private issue(call: ScriptCall): void {
    const name = call.instrument;
    const target = call.channel === undefined ? name : `${name}:${call.channel}`;
    const lane = this.options.lane(name);
    if (this.canceledReason !== null || !lane) {
      this.rejected({ index: call.index, instrument: target, verb: call.verb, params: call.params, error: this.canceledReason ?? `Instrument ${name} is not running` });
      return;
    }
    if (!this.inParallel && (this.current.instrument !== name || this.current.sealed)) this.startSegment(name);
    const segment = this.current;
    segment.remaining++;
    this.outstanding++;
    this.lanesUsed.add(lane);
    const command = call.channel === undefined ? { verb: call.verb, params: call.params } : { verb: call.verb, params: call.params, channel: call.channel };
    lane.enqueue({
      jobId: this.jobId,
      command,
      gate: segment.gate,
      settle: (outcome) => this.complete(call, target, segment, outcome),
    });
  }

  private startSegment(instrument: string | null): void {
    const previous = this.current;
    const next = new Segment(instrument, new Gate());
    previous.sealed = true;
    previous.next = next;
    this.current = next;
    this.advance(previous);
  }

  /** Opens the next segment's gate once this one is sealed, open and fully completed. */
  private advance(segment: Segment): void {
    let s: Segment | null = segment;
    while (s && s.sealed && s.remaining === 0 && s.gate.isOpen && s.next && !s.next.gate.isOpen) {
      s.next.gate.open();
      s = s.next;
    }
  }

  private complete(call: ScriptCall, target: string, segment: Segment, outcome: CommandOutcome): void {
    const record: CommandRecord = {
      index: call.index,
      instrument: target,
      verb: call.verb,
      params: call.params,
      started_at: outcome.startedAt,
      finished_at: outcome.finishedAt,
      duration_ms: outcome.finishedAt - outcome.startedAt,
    };
    let value: WaitValue;
    if (outcome.ok || outcome.reachedInstrument) record.executed_at_ms = Math.floor(outcome.startedAt);
    if (outcome.ok) {
      record.return = toReturnValue(outcome.value, this.jobId, this.options.buffers, this.options.bufferThreshold ?? DEFAULT_BUFFER_THRESHOLD);
      value = { ok: true, value: record.return };
    } else {
      record.error = outcome.error ?? `Instrument ${target}: command ${call.verb} failed`;
      value = { ok: false, error: record.error };
    }
    this.record(record);
    this.finished.set(call.index, value);
    const waiters = this.waiters.get(call.index);
    if (waiters) {
      this.waiters.delete(call.index);
      for (const resolve of waiters) resolve(value);
    }
    segment.remaining--;
    this.outstanding--;
    this.advance(segment);
    if (this.outstanding === 0 && this.idleWaiters.length > 0) {
      const idle = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of idle) resolve();
    }
  }

  private record(record: CommandRecord): void {
    this.records[record.index] = record;
    this.emit('record', record);
  }
}
