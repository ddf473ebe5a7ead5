// Raw SCPI over TCP (`TCPIP::host::port::SOCKET`, usually port 5025): the instrument reads
// newline-terminated commands from the socket and writes replies back the same way.
import { connect, type Socket } from 'node:net';
import { StreamReplyReader } from './stream-reply-reader.js';
import { TransportClosedError, TransportTimeoutError, type Transport } from './transport.js';

export class ScpiSocketTransport implements Transport {
  readonly description: string;
  private socket: Socket | undefined;
  private readonly reader: StreamReplyReader;

  constructor(private readonly host: string, private readonly port: number, readTermination: Buffer) {
    this.description = `raw socket ${host}:${port}`;
    this.reader = new StreamReplyReader(readTermination, this.description);
  }

  get isOpen(): boolean {
    return this.socket !== undefined && !this.socket.destroyed;
  }

  open(timeoutMs: number): Promise<void> {
    this.reader.reset();
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new TransportTimeoutError(timeoutMs, `connecting to ${this.description}`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        socket.setKeepAlive(true, 10_000);
        this.socket = socket;
        resolve();
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        if (this.socket !== socket) reject(new TransportClosedError(`cannot connect to ${this.description}: ${error.message}`));
        else this.reader.fail(new TransportClosedError(`connection to ${this.description} failed: ${error.message}`));
      });
      socket.on('data', (chunk: Buffer) => this.reader.push(chunk));
      socket.once('close', () => {
        if (this.socket === socket) this.socket = undefined;
        this.reader.fail(new TransportClosedError(`connection to ${this.description} was closed by the instrument`));
      });
    });
  }

  write(data: Buffer, timeoutMs: number): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.destroyed) return Promise.reject(new TransportClosedError(`connection to ${this.description} is not open`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new TransportTimeoutError(timeoutMs, `writing to ${this.description}`)), timeoutMs);
      socket.write(data, (error) => {
        clearTimeout(timer);
        if (error) reject(new TransportClosedError(`writing to ${this.description} failed: ${error.message}`));
        else resolve();
      });
    });
  }

  read(timeoutMs: number): Promise<Buffer> {
    return this.reader.read(timeoutMs);
  }

  discardInput(): void {
    this.reader.discard();
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      setTimeout(() => socket.destroy(), 200).unref();
    });
  }
}
