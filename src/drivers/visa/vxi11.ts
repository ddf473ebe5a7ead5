// VXI-11 (`TCPIP::host[::inst0|gpib0,7]::INSTR`): ONC RPC to the instrument's core channel.
// The portmapper tells the core channel's port; create_link opens a link to a device
// ("inst0", or "gpib0,7" behind a LAN/GPIB gateway); device_write sends a message with END on
// its last chunk; device_read is repeated until the instrument reports END (or a termination
// character); destroy_link closes the link. Procedure numbers and error codes are from the
// VXI-11 specification (program 0x0607AF, version 1).
import { portmapperGetPort, RpcClient, XdrWriter, type XdrReader } from './onc-rpc.js';
import { TransportClosedError, TransportProtocolError, TransportTimeoutError, type Transport } from './transport.js';

export const VXI11_CORE_PROGRAM = 0x0607af;
export const VXI11_CORE_VERSION = 1;
export const VXI11_PROC = {
  createLink: 10,
  deviceWrite: 11,
  deviceRead: 12,
  deviceReadStb: 13,
  deviceTrigger: 14,
  deviceClear: 15,
  destroyLink: 23,
} as const;
export const VXI11_FLAG_WAITLOCK = 1;
export const VXI11_FLAG_END = 8;
export const VXI11_FLAG_TERMCHRSET = 128;
export const VXI11_REASON_REQCNT = 1;
export const VXI11_REASON_CHR = 2;
export const VXI11_REASON_END = 4;

export const VXI11_ERRORS: Record<number, string> = {
  1: 'syntax error', 3: 'device not accessible', 4: 'invalid link identifier', 5: 'parameter error',
  6: 'channel not established', 8: 'operation not supported', 9: 'out of resources', 11: 'device locked by another link',
  12: 'no lock held by this link', 15: 'I/O timeout', 17: 'I/O error', 21: 'invalid address', 23: 'abort',
  29: 'channel already established',
};
export const VXI11_IO_TIMEOUT = 15;

const READ_REQUEST_SIZE = 1 << 20;

export interface Vxi11Options {
  host: string;
  device: string;
  /** Port of the portmapper (111 on real instruments; tests run their own). */
  portmapperPort: number;
  /** Skips the portmapper when the core channel's port is known. */
  corePort?: number;
}

export class Vxi11Transport implements Transport {
  readonly description: string;
  private client: RpcClient | undefined;
  private link = 0;
  private maxRecvSize = 0x4000;

  constructor(private readonly options: Vxi11Options) {
    this.description = `VXI-11 ${options.host} ${options.device}`;
  }

  get isOpen(): boolean {
    return this.client?.isOpen ?? false;
  }

  async open(timeoutMs: number): Promise<void> {
    const { host, portmapperPort } = this.options;
    let port = this.options.corePort;
    if (port === undefined) {
      port = await portmapperGetPort(host, portmapperPort, VXI11_CORE_PROGRAM, VXI11_CORE_VERSION, timeoutMs).catch((error: Error) => {
        throw new TransportClosedError(`cannot ask the portmapper of ${host} (port ${portmapperPort}) for the VXI-11 core channel: ${error.message}`);
      });
      if (port === 0) throw new TransportClosedError(`${host} has no VXI-11 core channel registered with its portmapper (port ${portmapperPort})`);
    }
    const client = await RpcClient.connect(host, port, timeoutMs, this.description);
    try {
      const args = new XdrWriter().int((Math.random() * 0x7fffffff) | 0).bool(false).uint(0).string(this.options.device).toBuffer();
      const reply = await client.call(VXI11_CORE_PROGRAM, VXI11_CORE_VERSION, VXI11_PROC.createLink, args, timeoutMs, 'create_link');
      this.checkError(reply, 'create_link');
      this.link = reply.int();
      reply.uint(); // abort port: device_abort is not used
      this.maxRecvSize = reply.uint() || this.maxRecvSize;
      this.client = client;
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  async write(data: Buffer, timeoutMs: number): Promise<void> {
    const client = this.requireClient();
    const deadline = Date.now() + timeoutMs;
    let offset = 0;
    do {
      const chunk = data.subarray(offset, offset + this.maxRecvSize);
      const last = offset + chunk.length >= data.length;
      const remaining = Math.max(1, deadline - Date.now());
      const args = new XdrWriter().int(this.link).uint(remaining).uint(0).int(last ? VXI11_FLAG_END : 0).opaque(chunk).toBuffer();
      const reply = await client.call(VXI11_CORE_PROGRAM, VXI11_CORE_VERSION, VXI11_PROC.deviceWrite, args, remaining + 1000, 'device_write');
      this.checkError(reply, 'device_write', remaining);
      const written = reply.uint();
      offset += Math.min(written, chunk.length);
      if (written === 0 && chunk.length > 0) throw new TransportProtocolError(`${this.description} accepted no bytes in device_write`);
    } while (offset < data.length);
  }

  async read(timeoutMs: number): Promise<Buffer> {
    const client = this.requireClient();
    const deadline = Date.now() + timeoutMs;
    const parts: Buffer[] = [];
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new TransportTimeoutError(timeoutMs, `reading the reply from ${this.description}`);
      const args = new XdrWriter().int(this.link).uint(READ_REQUEST_SIZE).uint(remaining).uint(0).int(0).int(0).toBuffer();
      // The instrument enforces io_timeout itself and answers with error 15; the extra second is for the network.
      const reply = await client.call(VXI11_CORE_PROGRAM, VXI11_CORE_VERSION, VXI11_PROC.deviceRead, args, remaining + 1000, 'device_read')
        .catch((error: Error) => {
          throw error instanceof TransportTimeoutError ? new TransportTimeoutError(timeoutMs, `reading the reply from ${this.description}`) : error;
        });
      this.checkError(reply, 'device_read', timeoutMs);
      const reason = reply.int();
      parts.push(Buffer.from(reply.opaque()));
      if (reason & (VXI11_REASON_END | VXI11_REASON_CHR)) return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    }
  }

  discardInput(): void {
    // Replies to timed-out calls are dropped by xid; the instrument discards unread output on the next write.
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    if (client.isOpen) {
      const args = new XdrWriter().int(this.link).toBuffer();
      await client.call(VXI11_CORE_PROGRAM, VXI11_CORE_VERSION, VXI11_PROC.destroyLink, args, 1000, 'destroy_link').catch(() => undefined);
    }
    await client.close();
  }

  private requireClient(): RpcClient {
    if (!this.client || !this.client.isOpen) throw new TransportClosedError(`link to ${this.description} is not open`);
    return this.client;
  }

  private checkError(reply: XdrReader, procedure: string, timeoutMs = 0): void {
    const code = reply.int();
    if (code === 0) return;
    if (code === VXI11_IO_TIMEOUT) throw new TransportTimeoutError(timeoutMs, `${procedure} on ${this.description} (instrument reported I/O timeout)`);
    throw new TransportProtocolError(`${this.description}: ${procedure} failed with VXI-11 error ${code} (${VXI11_ERRORS[code] ?? 'unknown error'})`);
  }
}
