// The behaviour shared by every protocol simulator: a small SCPI instrument that answers
// *IDN?, remembers settings (`VOLT 1.5` then `VOLT?`), returns typed values, lists and binary
// blocks (whose payload deliberately contains 0x0A bytes), and can misbehave on request
// (STALL? never answers, DROP? closes the connection half way through a reply, GARBAGE? answers
// nonsense). The transports in this folder only move bytes to and from it.
import { encodeBlock } from '../binary-block.js';

export type SimulatedReply =
  | { kind: 'none' }
  | { kind: 'reply'; data: Buffer }
  | { kind: 'stall' }
  | { kind: 'close-mid-reply'; partial: Buffer };

export const SIM_IDN = 'ACME Instruments,SIM-488,SN0001,1.0';

/** The waveform WAV:DATA? returns: float32 values whose little-endian bytes include 0x0A. */
export function simulatedWaveform(): Float32Array {
  const bytes = Buffer.from([
    0x0a, 0x0a, 0x0a, 0x3f, // ≈ 0.5392
    0x00, 0x00, 0x80, 0x3f, // 1.0
    0x0a, 0x00, 0x20, 0x41, // ≈ 10.0
    0x00, 0x00, 0x0a, 0xc1, // -8.625
    0x0d, 0x0a, 0x0d, 0x0a, // tiny, \r\n\r\n inside
  ]);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4).slice();
}

function bytesOf(values: Float32Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

export class SimulatedScpiInstrument {
  readonly settings = new Map<string, string>();
  /** How many float32 values WAV:BIG? returns (bench: 10^6). */
  bigPoints = 1000;
  private bigBlock: Buffer | undefined;
  commandsSeen = 0;

  constructor(readonly idn = SIM_IDN) {}

  /** Handles one command message (termination already removed). */
  handle(message: string): SimulatedReply {
    this.commandsSeen++;
    const text = message.trim();
    const upper = text.toUpperCase();
    const reply = (value: string): SimulatedReply => ({ kind: 'reply', data: Buffer.from(`${value}\n`, 'latin1') });
    switch (upper) {
      case '*IDN?': return reply(this.idn);
      case '*RST': this.settings.clear(); return { kind: 'none' };
      case '*OPC?': return reply('1');
      case 'MEAS:VOLT?': return reply('+1.234560E+00');
      case 'COUNT?': return reply('42');
      case 'BIGCOUNT?': return reply('9007199254740993');
      case 'LIST?': return reply('1.5,2.5,-3.25');
      case 'STATUS?': return reply('"RUNNING"');
      case 'WAV:DATA?': return { kind: 'reply', data: Buffer.concat([encodeBlock(bytesOf(simulatedWaveform())), Buffer.from('\n')]) };
      case 'WAV:IND?': return { kind: 'reply', data: Buffer.concat([Buffer.from('#0'), bytesOf(simulatedWaveform()), Buffer.from('\n')]) };
      case 'WAV:BIG?': return { kind: 'reply', data: this.big() };
      case 'STALL?': return { kind: 'stall' };
      case 'DROP?': return { kind: 'close-mid-reply', partial: Buffer.concat([Buffer.from('#3400'), Buffer.alloc(10, 0x0a)]) };
      case 'GARBAGE?': return reply('@@#!garbage!!');
    }
    const points = /^WAV:POINTS\s+(\d+)$/.exec(upper);
    if (points) {
      this.bigPoints = Number(points[1]);
      this.bigBlock = undefined;
      return { kind: 'none' };
    }
    if (upper.endsWith('?')) return reply(this.settings.get(upper.slice(0, -1)) ?? '0');
    const set = /^([A-Z*:][A-Z0-9:]*)\s+(.+)$/i.exec(text);
    if (set) this.settings.set(set[1]!.toUpperCase(), set[2]!);
    return { kind: 'none' };
  }

  private big(): Buffer {
    if (!this.bigBlock) {
      const values = new Float32Array(this.bigPoints);
      for (let i = 0; i < values.length; i++) values[i] = Math.sin(i / 100);
      this.bigBlock = Buffer.concat([encodeBlock(bytesOf(values)), Buffer.from('\n')]);
    }
    return this.bigBlock;
  }
}

/** Splits a byte stream into newline-terminated command messages (a trailing \r is dropped). */
export class CommandLineSplitter {
  private pending = '';
  constructor(private readonly onMessage: (message: string) => void) {}

  push(chunk: Buffer): void {
    this.pending += chunk.toString('latin1');
    let at: number;
    while ((at = this.pending.indexOf('\n')) !== -1) {
      const line = this.pending.slice(0, at).replace(/\r$/, '');
      this.pending = this.pending.slice(at + 1);
      if (line.length > 0) this.onMessage(line);
    }
  }
}
