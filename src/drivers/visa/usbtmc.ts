// USB test & measurement class instruments through the Linux usbtmc kernel driver
// (`/dev/usbtmc0`): a write() sends one message, read() returns reply data; the kernel does the
// USBTMC framing. Reads run in libuv's thread pool and cannot be cancelled, so a read that
// outlives its timeout is left to finish (the kernel's own timeout, 5 s by default, ends it)
// and whatever it returns is dropped.
import { constants, promises as fs } from 'node:fs';
import { StreamReplyReader } from './stream-reply-reader.js';
import { TransportClosedError, TransportTimeoutError, type Transport } from './transport.js';

const READ_CHUNK = 64 * 1024;

export class UsbtmcTransport implements Transport {
  readonly description: string;
  private file: fs.FileHandle | undefined;
  private readonly reader: StreamReplyReader;
  private reading = false;
  private generation = 0;

  constructor(private readonly path: string, readTermination: Buffer) {
    this.description = `USBTMC device ${path}`;
    this.reader = new StreamReplyReader(readTermination, this.description);
  }

  get isOpen(): boolean {
    return this.file !== undefined;
  }

  async open(_timeoutMs: number): Promise<void> {
    this.reader.reset();
    try {
      this.file = await fs.open(this.path, constants.O_RDWR | constants.O_NOCTTY);
      this.generation++;
    } catch (error) {
      throw new TransportClosedError(`cannot open ${this.description}: ${(error as Error).message}`);
    }
  }

  async write(data: Buffer, timeoutMs: number): Promise<void> {
    const file = this.requireFile();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TransportTimeoutError(timeoutMs, `writing to ${this.description}`)), timeoutMs);
    });
    try {
      await Promise.race([file.write(data), timeout]);
    } catch (error) {
      if (error instanceof TransportTimeoutError) throw error;
      throw new TransportClosedError(`writing to ${this.description} failed: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  read(timeoutMs: number): Promise<Buffer> {
    this.requireFile();
    const reply = this.reader.read(timeoutMs);
    this.pump();
    return reply;
  }

  discardInput(): void {
    this.reader.discard();
  }

  async close(): Promise<void> {
    const file = this.file;
    this.file = undefined;
    this.generation++;
    await file?.close().catch(() => undefined);
  }

  /** Keeps one read() outstanding while a reply is awaited, feeding what arrives to the reader. */
  private pump(): void {
    if (this.reading || !this.file) return;
    this.reading = true;
    const file = this.file;
    const generation = this.generation;
    const buffer = Buffer.alloc(READ_CHUNK);
    file.read(buffer, 0, READ_CHUNK, null).then(
      ({ bytesRead }) => {
        this.reading = false;
        if (generation !== this.generation) return;
        if (bytesRead === 0) {
          this.reader.fail(new TransportClosedError(`${this.description} returned end of file (device gone?)`));
          return;
        }
        const before = this.readerWaiting();
        this.reader.push(Buffer.from(buffer.subarray(0, bytesRead)));
        if (before && this.readerWaiting()) this.pump();
      },
      (error: Error) => {
        this.reading = false;
        if (generation !== this.generation) return;
        if ((error as NodeJS.ErrnoException).code === 'ETIMEDOUT') return;
        this.reader.fail(new TransportClosedError(`reading from ${this.description} failed: ${error.message}`));
      },
    );
  }

  private readerWaiting(): boolean {
    return this.reader.isWaiting;
  }

  private requireFile(): fs.FileHandle {
    if (!this.file) throw new TransportClosedError(`${this.description} is not open`);
    return this.file;
  }
}
