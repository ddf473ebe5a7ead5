// Serial instruments (`ASRL/dev/ttyUSB0::INSTR`, `/dev/ttyUSB0`) through the `serialport`
// package. Line settings come from the connection: `baudrate`, and options `parity`
// (none|even|odd|mark|space), `data_bits`, `stop_bits`, `flow_control` (none|rtscts|xonxoff).
import { SerialPort } from 'serialport';
import { StreamReplyReader } from './stream-reply-reader.js';
import { TransportClosedError, TransportTimeoutError, type Transport } from './transport.js';

export interface SerialSettings {
  path: string;
  baudRate: number;
  dataBits: 5 | 6 | 7 | 8;
  stopBits: 1 | 1.5 | 2;
  parity: 'none' | 'even' | 'odd' | 'mark' | 'space';
  flowControl: 'none' | 'rtscts' | 'xonxoff';
}

export class SerialSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SerialSettingsError';
  }
}

/** Reads serial line settings from a connection's `baudrate` and options; rejects values a UART cannot do. */
export function serialSettings(path: string, baudrate: number | undefined, options: Record<string, unknown>): SerialSettings {
  const pick = (...names: string[]): unknown => names.map((n) => options[n]).find((v) => v !== undefined);
  const baudRate = Number(baudrate ?? pick('baudrate', 'baud_rate') ?? 9600);
  if (!Number.isInteger(baudRate) || baudRate <= 0) throw new SerialSettingsError(`serial baudrate ${String(baudrate)} is not a positive integer`);
  const dataBits = Number(pick('data_bits', 'databits', 'bytesize') ?? 8);
  if (![5, 6, 7, 8].includes(dataBits)) throw new SerialSettingsError(`serial data_bits ${dataBits} is not 5, 6, 7 or 8`);
  const stopBits = Number(pick('stop_bits', 'stopbits') ?? 1);
  if (![1, 1.5, 2].includes(stopBits)) throw new SerialSettingsError(`serial stop_bits ${stopBits} is not 1, 1.5 or 2`);
  const parityText = String(pick('parity') ?? 'none').toLowerCase();
  const parity = ({ n: 'none', none: 'none', e: 'even', even: 'even', o: 'odd', odd: 'odd', m: 'mark', mark: 'mark', s: 'space', space: 'space' } as const)[parityText as 'none'];
  if (!parity) throw new SerialSettingsError(`serial parity "${parityText}" is not none, even, odd, mark or space`);
  const flowText = String(pick('flow_control', 'flowcontrol', 'handshake') ?? 'none').toLowerCase();
  const flowControl = ({ none: 'none', rtscts: 'rtscts', hardware: 'rtscts', rts_cts: 'rtscts', xonxoff: 'xonxoff', software: 'xonxoff', xon_xoff: 'xonxoff' } as const)[flowText as 'none'];
  if (!flowControl) throw new SerialSettingsError(`serial flow_control "${flowText}" is not none, rtscts or xonxoff`);
  return { path, baudRate, dataBits: dataBits as SerialSettings['dataBits'], stopBits: stopBits as SerialSettings['stopBits'], parity, flowControl };
}

export class SerialTransport implements Transport {
  readonly description: string;
  private port: SerialPort | undefined;
  private readonly reader: StreamReplyReader;

  constructor(private readonly settings: SerialSettings, readTermination: Buffer) {
    this.description = `serial port ${settings.path}`;
    this.reader = new StreamReplyReader(readTermination, this.description);
  }

  get isOpen(): boolean {
    return this.port?.isOpen ?? false;
  }

  open(timeoutMs: number): Promise<void> {
    this.reader.reset();
    const s = this.settings;
    const port = new SerialPort({
      path: s.path,
      baudRate: s.baudRate,
      dataBits: s.dataBits,
      stopBits: s.stopBits,
      parity: s.parity,
      rtscts: s.flowControl === 'rtscts',
      xon: s.flowControl === 'xonxoff',
      xoff: s.flowControl === 'xonxoff',
      autoOpen: false,
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new TransportTimeoutError(timeoutMs, `opening ${this.description}`)), timeoutMs);
      port.open((error) => {
        clearTimeout(timer);
        if (error) {
          reject(new TransportClosedError(`cannot open ${this.description}: ${error.message}`));
          return;
        }
        this.port = port;
        port.on('data', (chunk: Buffer) => this.reader.push(chunk));
        port.on('error', (e: Error) => this.reader.fail(new TransportClosedError(`${this.description} failed: ${e.message}`)));
        port.once('close', () => {
          if (this.port === port) this.port = undefined;
          this.reader.fail(new TransportClosedError(`${this.description} was closed (device unplugged?)`));
        });
        resolve();
      });
    });
  }

  write(data: Buffer, timeoutMs: number): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) return Promise.reject(new TransportClosedError(`${this.description} is not open`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new TransportTimeoutError(timeoutMs, `writing to ${this.description}`)), timeoutMs);
      port.write(data, (error) => {
        if (error) {
          clearTimeout(timer);
          reject(new TransportClosedError(`writing to ${this.description} failed: ${error.message}`));
          return;
        }
        port.drain(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    });
  }

  read(timeoutMs: number): Promise<Buffer> {
    return this.reader.read(timeoutMs);
  }

  discardInput(): void {
    this.reader.discard();
  }

  close(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (!port?.isOpen) return Promise.resolve();
    return new Promise((resolve) => port.close(() => resolve()));
  }
}
