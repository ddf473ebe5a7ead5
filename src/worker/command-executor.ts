// The worker's command queue: commands run one at a time in the order they arrived, each
// bounded by its timeout; results produced in the same turn of the event loop go back to the
// instrument side as one message. Large arrays are handed over through array-transfer files.
import type { LoadedInstrument } from '../config/types.js';
import type { Driver, DriverReply, NumericArray } from '../drivers/driver.js';
import { LARGE_ARRAY_BYTES, type WireCommand, type WireResult, type WireValue } from './protocol.js';
import { writeArrayFile } from './array-transfer.js';
import { bytesPerElement, toTypedArray } from '../drivers/typed-arrays.js';
import { commandTimeoutMs, prepareCommand, scaleOutput } from './command-preparation.js';
import { convertReply, type ConvertedValue } from './reply-conversion.js';

const TIMED_OUT = Symbol('timed out');

function now(): number {
  return performance.timeOrigin + performance.now();
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function hasNonFinite(data: NumericArray): boolean {
  if (!(Array.isArray(data) || data instanceof Float64Array || data instanceof Float32Array)) return false;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return true;
  return false;
}

export class CommandExecutor {
  private queue: WireCommand[] = [];
  private head = 0;
  private running = false;
  private stopped = false;
  private outbox: WireResult[] = [];
  private flushScheduled = false;
  /** The command being executed and how to end its wait when its deadline passes. */
  private current: { deadline: number; expire: () => void } | undefined;
  private watchdog: NodeJS.Timeout | undefined;

  constructor(
    private readonly instrument: LoadedInstrument,
    private readonly driver: Driver,
    private readonly sendResults: (results: WireResult[]) => void,
  ) {}

  private get name(): string {
    return this.instrument.config.name;
  }

  enqueue(commands: WireCommand[]): void {
    if (this.stopped) return;
    for (const command of commands) this.queue.push(command);
    if (!this.running) void this.drain();
  }

  /** Drops queued commands (shutdown); the one running finishes or times out. */
  stop(): void {
    this.stopped = true;
    this.queue = [];
    this.head = 0;
    if (this.watchdog) clearTimeout(this.watchdog);
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.head < this.queue.length && !this.stopped) {
      const command = this.queue[this.head]!;
      this.queue[this.head++] = undefined as unknown as WireCommand;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      const result = await this.run(command);
      if (result) this.publish(result);
    }
    this.queue = [];
    this.head = 0;
    this.running = false;
  }

  /** Executes one command; undefined when its result was already sent (timeout). */
  private async run(command: WireCommand): Promise<WireResult | undefined> {
    const spec = this.instrument.api.commands[command.verb];
    const startedAt = now();
    if (!spec) {
      return { id: command.id, ok: false, error: `Instrument ${this.name}: unknown command ${command.verb}`, startedAt, finishedAt: now() };
    }
    const timeoutMs = commandTimeoutMs(this.instrument, spec, command);
    let call: Promise<DriverReply>;
    try {
      call = this.driver.execute(prepareCommand(this.instrument, spec, command));
    } catch (error) {
      return { id: command.id, ok: false, error: `Instrument ${this.name}: command ${command.verb}: ${messageOf(error)}`, startedAt, finishedAt: now() };
    }
    let reply: DriverReply | typeof TIMED_OUT;
    try {
      reply = await this.withDeadline(call, startedAt + timeoutMs);
    } catch (error) {
      return { id: command.id, ok: false, error: `Instrument ${this.name}: command ${command.verb} failed: ${messageOf(error)}`, startedAt, finishedAt: now() };
    }
    if (reply === TIMED_OUT) {
      const result: WireResult = { id: command.id, ok: false, error: `Instrument ${this.name}: command ${command.verb} timed out after ${timeoutMs} ms`, timedOut: true, startedAt, finishedAt: now() };
      // Answer now, but let the driver finish (or fail) before it gets the next command.
      this.sendNow(result);
      await call.catch(() => undefined);
      return undefined;
    }
    const finishedAt = now();
    try {
      const value = scaleOutput(this.instrument, spec, command.channel, convertReply(reply, spec));
      return { id: command.id, ok: true, value: this.toWire(value), startedAt, finishedAt };
    } catch (error) {
      return { id: command.id, ok: false, error: `Instrument ${this.name}: command ${command.verb}: ${messageOf(error)}`, startedAt, finishedAt };
    }
  }

  /** Races the driver call against its deadline with one shared timer, not one per command. */
  private withDeadline(call: Promise<DriverReply>, deadline: number): Promise<DriverReply | typeof TIMED_OUT> {
    return new Promise((resolve, reject) => {
      const current = { deadline, expire: () => resolve(TIMED_OUT) };
      this.current = current;
      call.then(
        (reply) => { if (this.current === current) this.current = undefined; resolve(reply); },
        (error: unknown) => { if (this.current === current) this.current = undefined; reject(error); },
      );
      this.armWatchdog();
    });
  }

  private armWatchdog(): void {
    if (this.watchdog !== undefined) return;
    const current = this.current;
    if (!current) return;
    this.watchdog = setTimeout(() => {
      this.watchdog = undefined;
      const active = this.current;
      if (!active) return;
      if (now() >= active.deadline - 0.5) {
        this.current = undefined;
        active.expire();
      } else {
        this.armWatchdog();
      }
    }, Math.max(0, current.deadline - now()));
    // The IPC channel keeps the worker alive; this timer must not delay its exit after shutdown.
    this.watchdog.unref();
  }

  private toWire(value: ConvertedValue): WireValue {
    if (value.type === 'void') return { type: 'void' };
    if (value.type !== 'array') {
      // JSON has no NaN or Infinity: those travel as text and are read back with Number().
      return { type: value.type, value: typeof value.value === 'number' && !Number.isFinite(value.value) ? String(value.value) : value.value };
    }
    const { data, dataType } = value;
    const count = data.length;
    // Binary transfer also keeps NaN/Infinity elements that JSON would turn into null.
    if (count * bytesPerElement(dataType) >= LARGE_ARRAY_BYTES || hasNonFinite(data)) {
      return { type: 'array', dataType, count, shm: writeArrayFile(toTypedArray(data, dataType)) };
    }
    return { type: 'array', dataType, value: Array.from(data as ArrayLike<number | bigint>, Number) };
  }

  private publish(result: WireResult): void {
    this.outbox.push(result);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Sends a result ahead of the batch (timeouts are answered before the driver gives up). */
  private sendNow(result: WireResult): void {
    this.outbox.push(result);
    this.flush();
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.outbox.length === 0) return;
    const results = this.outbox;
    this.outbox = [];
    this.sendResults(results);
  };
}
