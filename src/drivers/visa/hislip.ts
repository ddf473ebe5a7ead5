// HiSLIP (IVI-6.1, `TCPIP::host::hislip0[,port]::INSTR`, port 4880): two TCP connections to the
// instrument. The synchronous channel carries Initialize and the data messages (Data, DataEnd
// for the last part of a message); the asynchronous channel carries AsyncInitialize and
// control traffic. Every message has a 16-byte header: "HS", type, control code, a 32-bit
// parameter and a 64-bit payload length. This client uses synchronous mode: one query, one
// reply, matched by message id so a reply that arrives after a timeout is dropped.
import type { Socket } from 'node:net';
import { connectTcp } from './tcp-connect.js';
import { TransportClosedError, TransportProtocolError, TransportTimeoutError, type Transport } from './transport.js';

export const HISLIP = {
  Initialize: 0,
  InitializeResponse: 1,
  FatalError: 2,
  Error: 3,
  Data: 6,
  DataEnd: 7,
  DeviceClearComplete: 8,
  DeviceClearAcknowledge: 9,
  AsyncMaximumMessageSize: 15,
  AsyncMaximumMessageSizeResponse: 16,
  AsyncInitialize: 17,
  AsyncInitializeResponse: 18,
} as const;

export const HISLIP_PROTOCOL_VERSION = 0x0100;
export const HISLIP_FIRST_MESSAGE_ID = 0xffffff00;
const HEADER_SIZE = 16;
const VENDOR_ID = 0x4953; // "IS"

export interface HislipMessage {
  type: number;
  control: number;
  parameter: number;
  payload: Buffer;
}

export function encodeHislip(type: number, control: number, parameter: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(HEADER_SIZE);
  header.write('HS', 0, 'latin1');
  header.writeUInt8(type, 2);
  header.writeUInt8(control, 3);
  header.writeUInt32BE(parameter >>> 0, 4);
  header.writeBigUInt64BE(BigInt(payload.length), 8);
  return payload.length > 0 ? Buffer.concat([header, payload]) : header;
}

/** Splits a byte stream into HiSLIP messages. */
export class HislipMessageReader {
  private chunks: Buffer[] = [];
  private length = 0;

  constructor(private readonly onMessage: (message: HislipMessage) => void, private readonly onError: (error: Error) => void) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
    while (this.length >= HEADER_SIZE) {
      const head = this.chunks[0]!.length >= HEADER_SIZE ? this.chunks[0]! : this.join();
      if (head[0] !== 0x48 || head[1] !== 0x53) {
        this.onError(new TransportProtocolError('received a message without the HiSLIP "HS" prologue'));
        this.chunks = [];
        this.length = 0;
        return;
      }
      const payloadLength = Number(head.readBigUInt64BE(8));
      if (this.length < HEADER_SIZE + payloadLength) return;
      const all = this.join();
      const message: HislipMessage = {
        type: all[2]!,
        control: all[3]!,
        parameter: all.readUInt32BE(4),
        payload: all.subarray(HEADER_SIZE, HEADER_SIZE + payloadLength),
      };
      const rest = all.subarray(HEADER_SIZE + payloadLength);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.length = rest.length;
      this.onMessage(message);
    }
  }

  private join(): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.length);
    this.chunks = [all];
    return all;
  }
}

/** One TCP connection carrying HiSLIP messages, read in order with a timeout. */
class HislipChannel {
  private readonly inbox: HislipMessage[] = [];
  private waiter: { resolve(m: HislipMessage): void; reject(e: Error): void; timer: NodeJS.Timeout } | undefined;
  private closedError: Error | undefined;

  private constructor(readonly socket: Socket, private readonly description: string) {
    const reader = new HislipMessageReader((m) => this.receive(m), (e) => socket.destroy(e));
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.once('error', (error) => this.fail(new TransportClosedError(`connection to ${description} failed: ${error.message}`)));
    socket.once('close', () => this.fail(new TransportClosedError(`connection to ${description} was closed by the instrument`)));
  }

  static async open(host: string, port: number, timeoutMs: number, description: string): Promise<HislipChannel> {
    return new HislipChannel(await connectTcp(host, port, timeoutMs, description), description);
  }

  get isOpen(): boolean {
    return this.closedError === undefined && !this.socket.destroyed;
  }

  send(message: Buffer): void {
    if (this.closedError) throw this.closedError;
    this.socket.write(message);
  }

  next(timeoutMs: number, what: string): Promise<HislipMessage> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new TransportTimeoutError(timeoutMs, `${what} from ${this.description}`));
      }, timeoutMs);
      this.waiter = { resolve, reject, timer };
    });
  }

  discard(): void {
    this.inbox.length = 0;
  }

  close(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 200).unref();
    });
  }

  private receive(message: HislipMessage): void {
    const waiter = this.waiter;
    if (!waiter) {
      this.inbox.push(message);
      return;
    }
    this.waiter = undefined;
    clearTimeout(waiter.timer);
    waiter.resolve(message);
  }

  private fail(error: Error): void {
    this.closedError ??= error;
    const waiter = this.waiter;
    if (!waiter) return;
    this.waiter = undefined;
    clearTimeout(waiter.timer);
    waiter.reject(this.closedError);
  }
}

export class HislipTransport implements Transport {
  readonly description: string;
  private sync: HislipChannel | undefined;
  private async: HislipChannel | undefined;
  private messageId = HISLIP_FIRST_MESSAGE_ID;
  private lastSentId = HISLIP_FIRST_MESSAGE_ID;
  private rmtDelivered = false;
  private maxMessageSize = 1 << 20;

  constructor(private readonly host: string, private readonly port: number, private readonly device: string) {
    this.description = `HiSLIP ${host}:${port} ${device}`;
  }

  get isOpen(): boolean {
    return (this.sync?.isOpen ?? false) && (this.async?.isOpen ?? false);
  }

  async open(timeoutMs: number): Promise<void> {
    const sync = await HislipChannel.open(this.host, this.port, timeoutMs, `${this.description} (synchronous channel)`);
    try {
      sync.send(encodeHislip(HISLIP.Initialize, 0, ((HISLIP_PROTOCOL_VERSION << 16) | VENDOR_ID) >>> 0, Buffer.from(this.device, 'latin1')));
      const init = this.expect(await sync.next(timeoutMs, 'InitializeResponse'), HISLIP.InitializeResponse, 'Initialize');
      const sessionId = init.parameter & 0xffff;
      const async = await HislipChannel.open(this.host, this.port, timeoutMs, `${this.description} (asynchronous channel)`);
      try {
        async.send(encodeHislip(HISLIP.AsyncInitialize, 0, sessionId));
        this.expect(await async.next(timeoutMs, 'AsyncInitializeResponse'), HISLIP.AsyncInitializeResponse, 'AsyncInitialize');
        const size = Buffer.alloc(8);
        size.writeBigUInt64BE(BigInt(this.maxMessageSize));
        async.send(encodeHislip(HISLIP.AsyncMaximumMessageSize, 0, 0, size));
        const answer = this.expect(await async.next(timeoutMs, 'AsyncMaximumMessageSizeResponse'), HISLIP.AsyncMaximumMessageSizeResponse, 'AsyncMaximumMessageSize');
        if (answer.payload.length === 8) this.maxMessageSize = Math.max(1024, Math.min(this.maxMessageSize, Number(answer.payload.readBigUInt64BE(0))));
      } catch (error) {
        await async.close();
        throw error;
      }
      this.sync = sync;
      this.async = async;
      this.messageId = HISLIP_FIRST_MESSAGE_ID;
      this.rmtDelivered = false;
    } catch (error) {
      await sync.close();
      throw error;
    }
  }

  async write(data: Buffer, _timeoutMs: number): Promise<void> {
    const sync = this.requireSync();
    const chunkSize = this.maxMessageSize - 16;
    let offset = 0;
    do {
      const chunk = data.subarray(offset, offset + chunkSize);
      offset += chunk.length;
      const last = offset >= data.length;
      sync.send(encodeHislip(last ? HISLIP.DataEnd : HISLIP.Data, this.rmtDelivered ? 1 : 0, this.messageId, chunk));
      this.rmtDelivered = false;
    } while (offset < data.length);
    this.lastSentId = this.messageId;
    this.messageId = (this.messageId + 2) >>> 0;
  }

  async read(timeoutMs: number): Promise<Buffer> {
    const sync = this.requireSync();
    const deadline = Date.now() + timeoutMs;
    const parts: Buffer[] = [];
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new TransportTimeoutError(timeoutMs, `reading the reply from ${this.description}`);
      const message = await sync.next(remaining, 'reply').catch((error: Error) => {
        throw error instanceof TransportTimeoutError ? new TransportTimeoutError(timeoutMs, `reading the reply from ${this.description}`) : error;
      });
      if (message.type === HISLIP.Data || message.type === HISLIP.DataEnd) {
        if (message.parameter !== this.lastSentId) continue; // a late reply to an earlier, timed-out query
        parts.push(message.payload);
        if (message.type === HISLIP.DataEnd) {
          this.rmtDelivered = true;
          return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
        }
      } else {
        this.expect(message, -1, 'read');
      }
    }
  }

  discardInput(): void {
    this.sync?.discard();
  }

  async close(): Promise<void> {
    const { sync, async } = this;
    this.sync = undefined;
    this.async = undefined;
    await Promise.all([sync?.close(), async?.close()]);
  }

  private requireSync(): HislipChannel {
    if (!this.sync || !this.isOpen) throw new TransportClosedError(`session with ${this.description} is not open`);
    return this.sync;
  }

  private expect(message: HislipMessage, type: number, after: string): HislipMessage {
    if (message.type === type) return message;
    const text = message.payload.toString('latin1');
    if (message.type === HISLIP.FatalError) throw new TransportClosedError(`${this.description} reported a fatal error (code ${message.control}) after ${after}: ${text}`);
    if (message.type === HISLIP.Error) throw new TransportProtocolError(`${this.description} reported an error (code ${message.control}) after ${after}: ${text}`);
    throw new TransportProtocolError(`${this.description} sent HiSLIP message type ${message.type} where type ${type} was expected after ${after}`);
  }
}
