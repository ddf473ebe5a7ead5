// The VISA driver: renders nothing itself (commands arrive with their SCPI text), writes the
// text with the write termination, reads a reply for queries and parses it into the declared
// return type. Owns the connection's life: a timeout leaves it open (stale bytes are dropped
// before the next command); a dropped connection fails the command that saw it, and the next
// command reconnects unless `reconnect: false`.
import type { ArrayDataType } from '../../config/types.js';
import type { Driver, DriverCommand, DriverContext, DriverReply } from '../driver.js';
import { parseReply, ReplyParseError, replyText, type ReplyFormat } from './reply-parser.js';
import { TransportClosedError, TransportTimeoutError, type Transport } from './transport.js';
import { ARRAY_DATA_TYPES } from '../typed-arrays.js';

export interface VisaOptions {
  readTermination: Buffer;
  writeTermination: Buffer;
  reconnect: boolean;
  /**
   * Element type of binary blocks when the instrument configuration says (`data_type` in the
   * connection, or in the API's protocol section). A command's own `data_type` wins over it; it
   * wins over the command's array type, which the API loader fills with float64 by default.
   */
  dataType?: ArrayDataType;
  littleEndian: boolean;
  /** Default timeout (connection.timeout) for connect, init writes and identify. */
  timeoutMs: number;
}


/** Accepts real control characters or their escaped spellings ("\\r\\n") as written in YAML. */
export function terminationBytes(value: unknown, fallback: string): Buffer {
  if (value === undefined || value === null) return Buffer.from(fallback, 'latin1');
  const text = String(value).replace(/\\r/g, '\r').replace(/\\n/g, '\n').replace(/\\t/g, '\t').replace(/\\0/g, '\0');
  return Buffer.from(text, 'latin1');
}

export function visaOptions(context: DriverContext): VisaOptions {
  const { options, custom, timeoutMs } = context.config.connection;
  const protocol = (context.api.protocol.config ?? {}) as Record<string, unknown>;
  const pick = (name: string): unknown => options[name] ?? custom[name] ?? protocol[name];
  const dataType = pick('data_type');
  if (dataType !== undefined && !ARRAY_DATA_TYPES.includes(dataType as ArrayDataType)) {
    throw new Error(`Instrument ${context.instrument}: data_type "${String(dataType)}" is not one of ${ARRAY_DATA_TYPES.join(', ')}`);
  }
  const byteOrder = String(pick('byte_order') ?? 'little').toLowerCase();
  if (!['little', 'big', 'little-endian', 'big-endian', 'le', 'be'].includes(byteOrder)) {
    throw new Error(`Instrument ${context.instrument}: byte_order "${byteOrder}" is not little or big`);
  }
  return {
    readTermination: terminationBytes(pick('read_termination'), '\n'),
    writeTermination: terminationBytes(pick('write_termination'), '\n'),
    reconnect: pick('reconnect') !== false && pick('reconnect') !== 'false',
    dataType: dataType as ArrayDataType | undefined,
    littleEndian: byteOrder.startsWith('l'),
    timeoutMs: timeoutMs ?? 5000,
  };
}

export class VisaDriver implements Driver {
  /** The first connection failure, kept until a reconnect succeeds (reconnect: false). */
  private lostConnection: Error | undefined;
  private everConnected = false;

  constructor(
    private readonly context: DriverContext,
    private readonly transport: Transport,
    private readonly options: VisaOptions,
  ) {}

  private get name(): string {
    return `Instrument ${this.context.instrument}`;
  }

  async connect(): Promise<void> {
    try {
      await this.transport.open(this.options.timeoutMs);
      this.everConnected = true;
      this.lostConnection = undefined;
    } catch (error) {
      throw new Error(`${this.name}: cannot connect to ${this.context.config.connection.address}: ${(error as Error).message}`);
    }
  }

  async execute(command: DriverCommand): Promise<DriverReply> {
    const what = `command ${command.verb}`;
    await this.ensureOpen(what);
    const reply = await this.exchange(command.text, command.expectsResponse, command.timeoutMs, what);
    if (reply === undefined) return { value: undefined };
    try {
      return parseReply(reply, this.replyFormat(command));
    } catch (error) {
      if (error instanceof ReplyParseError) throw new Error(`${this.name}: ${what}: cannot parse the reply as ${command.spec.returns}: ${error.message}`);
      throw error;
    }
  }

  async write(text: string): Promise<void> {
    await this.ensureOpen(`write "${text}"`);
    await this.exchange(text, false, this.options.timeoutMs, `write "${text}"`);
  }

  async identify(): Promise<string> {
    await this.ensureOpen('*IDN?');
    const reply = await this.exchange('*IDN?', true, this.options.timeoutMs, 'query *IDN?');
    return replyText(reply!, this.options.readTermination);
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  private replyFormat(command: DriverCommand): ReplyFormat {
    return {
      returns: command.spec.returns,
      dataType: command.spec.blockDataType ?? this.options.dataType ?? command.spec.arrayDataType ?? 'float64',
      listDataType: command.spec.arrayDataType ?? this.options.dataType ?? 'float64',
      littleEndian: this.options.littleEndian,
      readTermination: this.options.readTermination,
    };
  }

  private async ensureOpen(what: string): Promise<void> {
    if (this.transport.isOpen) return;
    if (this.lostConnection && !this.options.reconnect) {
      throw new Error(`${this.name}: ${what} not sent: the connection was lost earlier (${this.lostConnection.message}) and reconnect is disabled`);
    }
    try {
      await this.transport.close();
      await this.transport.open(this.options.timeoutMs);
      if (this.everConnected) this.context.log('info', `${this.name}: reconnected to ${this.transport.description}`);
      this.everConnected = true;
      this.lostConnection = undefined;
    } catch (error) {
      throw new Error(`${this.name}: ${what} not sent: cannot ${this.everConnected ? 're' : ''}connect to ${this.context.config.connection.address}: ${(error as Error).message}`);
    }
  }

  private async exchange(text: string, expectsResponse: boolean, timeoutMs: number, what: string): Promise<Buffer | undefined> {
    const deadline = Date.now() + timeoutMs;
    try {
      this.transport.discardInput();
      await this.transport.write(Buffer.concat([Buffer.from(text, 'latin1'), this.options.writeTermination]), timeoutMs);
      if (!expectsResponse) return undefined;
      return await this.transport.read(Math.max(1, deadline - Date.now()));
    } catch (error) {
      if (error instanceof TransportTimeoutError) {
        throw new Error(`${this.name}: ${what} timed out after ${timeoutMs} ms (${error.message})`);
      }
      if (error instanceof TransportClosedError) {
        this.lostConnection = error;
        await this.transport.close().catch(() => undefined);
        const next = this.options.reconnect ? '; the next command reconnects' : '; reconnect is disabled';
        throw new Error(`${this.name}: ${what} failed: ${error.message}${next}`);
      }
      throw new Error(`${this.name}: ${what} failed: ${(error as Error).message}`);
    }
  }
}
