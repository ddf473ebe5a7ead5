// What a driver is: the piece inside a worker process that turns a command into I/O with one
// instrument (or its simulator) and turns the reply into a value. Chosen per instrument by
// drivers/index.ts from the API's protocol, the connection address and an optional plugin.
import type { ApiDefinition, ArrayDataType, CommandSpec, InstrumentConfig, BoundParams } from '../config/types.js';

export interface DriverContext {
  instrument: string;
  config: InstrumentConfig;
  api: ApiDefinition;
  /** Path given with `--plugin`, if any. */
  pluginPath?: string;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
}

/** A command ready for a driver: parameters bound and converted to raw units, template rendered. */
export interface DriverCommand {
  /** Unique within this worker; plugins see it as the command id. */
  id: number;
  verb: string;
  spec: CommandSpec;
  params: BoundParams;
  channel?: number;
  /** The rendered template (SCPI text without termination). */
  text: string;
  /** Whether a reply is to be read. */
  expectsResponse: boolean;
  timeoutMs: number;
}

/** Typed arrays cross the process boundary as binary; plain arrays are fine for small data. */
export type NumericArray = number[] | Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array | BigInt64Array | BigUint64Array;


/** What a driver returns; `null`/`undefined` means void. The worker converts to the declared return type. */
export type DriverValue = number | bigint | string | boolean | NumericArray | null | undefined;

export interface DriverReply {
  value: DriverValue;
  /** Element type of an array reply, when the driver knows it (binary blocks, plugins). */
  dataType?: ArrayDataType;
}

export interface Driver {
  /** Opens the connection; rejects with a clear message when the instrument cannot be reached. */
  connect(): Promise<void>;
  /** Executes one command. Called strictly one at a time, in FIFO order. */
  execute(command: DriverCommand): Promise<DriverReply>;
  /** Sends raw text (startup init commands that are not verbs of the API). */
  write?(text: string): Promise<void>;
  /** Identification string (`*IDN?` or vendor/model), if the driver can tell. */
  identify?(): Promise<string>;
  close(): Promise<void>;
}

export type DriverFactory = (context: DriverContext) => Driver;
