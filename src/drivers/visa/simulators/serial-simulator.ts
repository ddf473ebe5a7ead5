// A SCPI instrument behind a serial line: socat creates a pair of connected pseudo-terminals,
// the simulator answers on one end and the driver under test opens the other, exactly as it
// would open /dev/ttyUSB0.
import { spawn, type ChildProcess } from 'node:child_process';
import { SerialPort } from 'serialport';
import { CommandLineSplitter, SimulatedScpiInstrument } from './scpi-instrument.js';

export class SerialSimulator {
  readonly instrument = new SimulatedScpiInstrument();

  private constructor(private readonly socat: ChildProcess, private readonly port: SerialPort, readonly clientPath: string) {}

  /** Starts `socat` (must be installed) and opens the instrument's end of the pty pair. */
  static async start(baudRate = 9600): Promise<SerialSimulator> {
    const socat = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const ptys = await new Promise<string[]>((resolve, reject) => {
      const found: string[] = [];
      let log = '';
      socat.stderr!.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        for (const match of log.matchAll(/PTY is (\S+)/g)) if (!found.includes(match[1]!)) found.push(match[1]!);
        if (found.length === 2 && /starting data transfer loop/.test(log)) resolve(found);
      });
      socat.once('error', reject);
      socat.once('exit', (code) => reject(new Error(`socat exited (${code}) before creating the pty pair: ${log}`)));
    });
    const port = new SerialPort({ path: ptys[0]!, baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    const simulator = new SerialSimulator(socat, port, ptys[1]!);
    const lines = new CommandLineSplitter((message) => {
      const reply = simulator.instrument.handle(message);
      if (reply.kind === 'reply') port.write(reply.data);
      else if (reply.kind === 'close-mid-reply') port.write(reply.partial);
    });
    port.on('data', (chunk: Buffer) => lines.push(chunk));
    return simulator;
  }

  async stop(): Promise<void> {
    if (this.port.isOpen) await new Promise<void>((resolve) => this.port.close(() => resolve()));
    if (this.socat.exitCode === null && this.socat.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.socat.once('exit', () => resolve()));
      this.socat.kill('SIGTERM');
      await exited;
    }
  }
}
