// ONC RPC version 2 over TCP (RFC 1057 / RFC 5531) with XDR encoding (RFC 1014 / RFC 4506):
// just what VXI-11 and the portmapper need. Calls use AUTH_NONE; each message travels as one
// record with record marking (a 4-byte header: last-fragment bit + length).
import type { Socket } from 'node:net';
import { connectTcp } from './tcp-connect.js';
import { TransportClosedError, TransportProtocolError, TransportTimeoutError } from './transport.js';

export const PORTMAPPER_PROGRAM = 100000;
export const PORTMAPPER_VERSION = 2;
export const PMAPPROC_NULL = 0;
export const PMAPPROC_SET = 1;
export const PMAPPROC_UNSET = 2;
export const PMAPPROC_GETPORT = 3;
export const IPPROTO_TCP = 6;

const CALL = 0;
const REPLY = 1;
const MSG_ACCEPTED = 0;
const ACCEPT_STATUS = ['success', 'program unavailable', 'program version mismatch', 'procedure unavailable', 'garbage arguments', 'system error'];

export class XdrWriter {
  private buffer = Buffer.alloc(256);
  private length = 0;

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.alloc(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  uint(value: number): this {
    this.reserve(4);
    this.buffer.writeUInt32BE(value >>> 0, this.length);
    this.length += 4;
    return this;
  }

  int(value: number): this {
    this.reserve(4);
    this.buffer.writeInt32BE(value | 0, this.length);
    this.length += 4;
    return this;
  }

  bool(value: boolean): this {
    return this.uint(value ? 1 : 0);
  }

  /** Variable-length opaque: length, bytes, zero padding to a multiple of 4. */
  opaque(bytes: Uint8Array): this {
    const padded = (bytes.length + 3) & ~3;
    this.uint(bytes.length);
    this.reserve(padded);
    this.buffer.set(bytes, this.length);
    this.buffer.fill(0, this.length + bytes.length, this.length + padded);
    this.length += padded;
    return this;
  }

  string(text: string): this {
    return this.opaque(Buffer.from(text, 'latin1'));
  }

  toBuffer(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

export class XdrReader {
  private offset = 0;
  constructor(private readonly buffer: Buffer) {}

  private need(bytes: number): void {
    if (this.offset + bytes > this.buffer.length) throw new TransportProtocolError('RPC message ends early (malformed XDR)');
  }

  uint(): number {
    this.need(4);
    const value = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  int(): number {
    this.need(4);
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  bool(): boolean {
    return this.uint() !== 0;
  }

  opaque(): Buffer {
    const length = this.uint();
    const padded = (length + 3) & ~3;
    this.need(padded);
    const bytes = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += padded;
    return bytes;
  }

  string(): string {
    return this.opaque().toString('latin1');
  }
}

/** Frames one RPC message as a single last-fragment record. */
export function recordMark(message: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE((0x80000000 | message.length) >>> 0, 0);
  return Buffer.concat([header, message]);
}

/** Reassembles records (possibly split into fragments and TCP chunks) from a byte stream. */
export class RecordReader {
  private chunks: Buffer[] = [];
  private length = 0;
  private fragments: Buffer[] = [];

  constructor(private readonly onRecord: (record: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
    for (;;) {
      if (this.length < 4) return;
      const head = this.chunks[0]!.length >= 4 ? this.chunks[0]! : this.join();
      const word = head.readUInt32BE(0);
      const fragmentLength = word & 0x7fffffff;
      if (this.length < 4 + fragmentLength) return;
      const all = this.join();
      this.fragments.push(all.subarray(4, 4 + fragmentLength));
      const rest = all.subarray(4 + fragmentLength);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.length = rest.length;
      if (word & 0x80000000) {
        const record = this.fragments.length === 1 ? this.fragments[0]! : Buffer.concat(this.fragments);
        this.fragments = [];
        this.onRecord(record);
      }
    }
  }

  private join(): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.length);
    this.chunks = [all];
    return all;
  }
}

export function encodeCall(xid: number, program: number, version: number, procedure: number, args: Buffer): Buffer {
  const head = new XdrWriter().uint(xid).uint(CALL).uint(2).uint(program).uint(version).uint(procedure)
    .uint(0).uint(0) // credentials: AUTH_NONE, empty
    .uint(0).uint(0) // verifier: AUTH_NONE, empty
    .toBuffer();
  return recordMark(Buffer.concat([head, args]));
}

export interface RpcCall {
  xid: number;
  program: number;
  version: number;
  procedure: number;
  args: XdrReader;
}

/** Server side: decodes a CALL record. */
export function decodeCall(record: Buffer): RpcCall {
  const r = new XdrReader(record);
  const xid = r.uint();
  if (r.uint() !== CALL) throw new TransportProtocolError('RPC record is not a call');
  if (r.uint() !== 2) throw new TransportProtocolError('RPC version is not 2');
  const program = r.uint();
  const version = r.uint();
  const procedure = r.uint();
  r.uint(); r.opaque(); // credentials
  r.uint(); r.opaque(); // verifier
  return { xid, program, version, procedure, args: r };
}

/** Server side: an accepted reply; `status` 0 (success) carries results. */
export function encodeReply(xid: number, results: Buffer, status = 0): Buffer {
  const head = new XdrWriter().uint(xid).uint(REPLY).uint(MSG_ACCEPTED).uint(0).uint(0).uint(status).toBuffer();
  return recordMark(Buffer.concat([head, results]));
}

interface PendingCall {
  resolve(reader: XdrReader): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** One TCP connection to an RPC server; calls are matched to replies by xid. */
export class RpcClient {
  private nextXid = (Math.random() * 0x7fffffff) >>> 0;
  private readonly pending = new Map<number, PendingCall>();
  private closedError: Error | undefined;

  private constructor(private readonly socket: Socket, readonly description: string) {
    const records = new RecordReader((record) => this.onRecord(record));
    socket.on('data', (chunk: Buffer) => {
      try {
        records.push(chunk);
      } catch (error) {
        socket.destroy(error as Error);
      }
    });
    socket.once('error', (error) => this.failAll(new TransportClosedError(`connection to ${description} failed: ${error.message}`)));
    socket.once('close', () => this.failAll(new TransportClosedError(`connection to ${description} was closed by the instrument`)));
  }

  static async connect(host: string, port: number, timeoutMs: number, description: string): Promise<RpcClient> {
    return new RpcClient(await connectTcp(host, port, timeoutMs, description), description);
  }

  get isOpen(): boolean {
    return this.closedError === undefined && !this.socket.destroyed;
  }

  call(program: number, version: number, procedure: number, args: Buffer, timeoutMs: number, what: string): Promise<XdrReader> {
    if (this.closedError) return Promise.reject(this.closedError);
    const xid = (this.nextXid = (this.nextXid + 1) >>> 0);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(xid);
        reject(new TransportTimeoutError(timeoutMs, `${what} on ${this.description}`));
      }, timeoutMs);
      this.pending.set(xid, { resolve, reject, timer });
      this.socket.write(encodeCall(xid, program, version, procedure, args));
    });
  }

  close(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 200).unref();
    });
  }

  private onRecord(record: Buffer): void {
    const r = new XdrReader(record);
    const xid = r.uint();
    const call = this.pending.get(xid);
    if (!call) return; // the reply to a call that already timed out
    this.pending.delete(xid);
    clearTimeout(call.timer);
    try {
      if (r.uint() !== REPLY) throw new TransportProtocolError(`${this.description} sent an RPC call where a reply was expected`);
      if (r.uint() !== MSG_ACCEPTED) throw new TransportProtocolError(`${this.description} denied the RPC call (authentication or RPC version)`);
      r.uint(); r.opaque(); // verifier
      const status = r.uint();
      if (status !== 0) throw new TransportProtocolError(`${this.description} rejected the RPC call: ${ACCEPT_STATUS[status] ?? `status ${status}`}`);
      call.resolve(r);
    } catch (error) {
      call.reject(error as Error);
    }
  }

  private failAll(error: Error): void {
    this.closedError ??= error;
    for (const [xid, call] of this.pending) {
      this.pending.delete(xid);
      clearTimeout(call.timer);
      call.reject(this.closedError);
    }
  }
}

/** Asks a portmapper (rpcbind) on which TCP port a program listens; 0 when it is not registered. */
export async function portmapperGetPort(host: string, portmapperPort: number, program: number, version: number, timeoutMs: number): Promise<number> {
  const client = await RpcClient.connect(host, portmapperPort, timeoutMs, `portmapper ${host}:${portmapperPort}`);
  try {
    const args = new XdrWriter().uint(program).uint(version).uint(IPPROTO_TCP).uint(0).toBuffer();
    const reply = await client.call(PORTMAPPER_PROGRAM, PORTMAPPER_VERSION, PMAPPROC_GETPORT, args, timeoutMs, 'GETPORT');
    return reply.uint();
  } finally {
    await client.close();
  }
}

/** Registers (SET) or removes (UNSET) a TCP program with a portmapper; resolves to its yes/no answer. */
export async function portmapperRegister(host: string, portmapperPort: number, program: number, version: number, port: number, register: boolean, timeoutMs: number): Promise<boolean> {
  const client = await RpcClient.connect(host, portmapperPort, timeoutMs, `portmapper ${host}:${portmapperPort}`);
  try {
    const args = new XdrWriter().uint(program).uint(version).uint(IPPROTO_TCP).uint(register ? port : 0).toBuffer();
    const reply = await client.call(PORTMAPPER_PROGRAM, PORTMAPPER_VERSION, register ? PMAPPROC_SET : PMAPPROC_UNSET, args, timeoutMs, register ? 'SET' : 'UNSET');
    return reply.bool();
  } finally {
    await client.close();
  }
}
