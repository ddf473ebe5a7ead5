// The worker's log: pino-compatible JSON lines on stdout (the instrument side points stdout at
// worker_<NAME>.log), and warnings/errors also forwarded to the instrument side as `log` messages.
import { hostname } from 'node:os';
import type { FromWorker } from './protocol.js';

type Level = 'debug' | 'info' | 'warn' | 'error';
const PINO_LEVELS: Record<Level, number> = { debug: 20, info: 30, warn: 40, error: 50 };
const LEVEL_NAMES: Record<string, number> = { trace: 10, ...PINO_LEVELS, fatal: 60, silent: Infinity };

export class WorkerLog {
  private threshold = PINO_LEVELS.info;
  private name: string;
  private readonly host = hostname();

  constructor(name: string, private readonly send: (message: FromWorker) => void) {
    this.name = name;
  }

  setName(name: string): void {
    this.name = name;
  }

  setLevel(level: string | undefined): void {
    if (level !== undefined && LEVEL_NAMES[level] !== undefined) this.threshold = LEVEL_NAMES[level]!;
  }

  enabled(level: Level): boolean {
    return PINO_LEVELS[level] >= this.threshold;
  }

  write(level: Level, message: string): void {
    if (PINO_LEVELS[level] >= this.threshold) {
      const line = JSON.stringify({ level: PINO_LEVELS[level], time: Date.now(), pid: process.pid, hostname: this.host, name: this.name, msg: message });
      process.stdout.write(line + '\n');
    }
    if (level === 'warn' || level === 'error') this.send({ t: 'log', level, message });
  }

  debug(message: string): void { if (this.enabled('debug')) this.write('debug', message); }
  info(message: string): void { this.write('info', message); }
  warn(message: string): void { this.write('warn', message); }
  error(message: string): void { this.write('error', message); }
}
