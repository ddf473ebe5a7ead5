// Collects bytes from a stream transport (socket, serial port, device file) and hands out whole
// replies: up to the read termination, with definite-length blocks skipped whole. Chunks are
// kept in a list and joined only when a reply can be complete, so a multi-megabyte block costs
// one copy rather than one per chunk.
import { replyEnd } from './binary-block.js';
import { TransportClosedError, TransportTimeoutError } from './transport.js';

interface Waiter {
  resolve(reply: Buffer): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class StreamReplyReader {
  private chunks: Buffer[] = [];
  private length = 0;
  /** Below this many buffered bytes no reply can be complete (from the last scan). */
  private needBytes = 1;
  private waiter: Waiter | undefined;
  private closedError: Error | undefined;

  constructor(private readonly termination: Buffer, private readonly description: string) {}

  /** Whether a read is waiting for more bytes. */
  get isWaiting(): boolean {
    return this.waiter !== undefined;
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
    if (this.waiter && this.length >= this.needBytes) this.deliver();
  }

  /** The peer went away: a pending read fails now, later reads fail until reset(). */
  fail(error: Error): void {
    this.closedError = error;
    const waiter = this.waiter;
    if (!waiter) return;
    this.waiter = undefined;
    clearTimeout(waiter.timer);
    const got = this.length > 0 ? ` after ${this.length} bytes of the reply` : '';
    waiter.reject(new TransportClosedError(`${error.message}${got}`));
  }

  /** Fresh state for a new connection. */
  reset(): void {
    this.discard();
    this.closedError = undefined;
  }

  discard(): void {
    this.chunks = [];
    this.length = 0;
    this.needBytes = 1;
  }

  read(timeoutMs: number): Promise<Buffer> {
    if (this.waiter) return Promise.reject(new Error(`${this.description}: a read is already pending`));
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        const got = this.length > 0 ? ` (${this.length} bytes received without a complete reply)` : '';
        reject(new TransportTimeoutError(timeoutMs, `reading the reply from ${this.description}${got}`));
      }, timeoutMs);
      this.waiter = { resolve, reject, timer };
      if (this.length >= this.needBytes) this.deliver();
      if (this.waiter && this.closedError) this.fail(this.closedError);
    });
  }

  private deliver(): void {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.length);
    this.chunks = [all];
    const found = replyEnd(all, this.termination);
    if ('needBytes' in found) {
      this.needBytes = found.needBytes;
      return;
    }
    const reply = all.subarray(0, found.end);
    const rest = all.subarray(found.end);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.length = rest.length;
    this.needBytes = 1;
    const waiter = this.waiter!;
    this.waiter = undefined;
    clearTimeout(waiter.timer);
    waiter.resolve(reply);
  }
}
