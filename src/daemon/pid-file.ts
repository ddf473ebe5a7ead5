// The daemon's PID file: written when the RPC endpoint is up, removed on graceful stop.
// A PID file whose process is gone (a crash, kill -9) is stale and is replaced.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface PidRecord {
  pid: number;
  port: number;
  host: string;
  dataDir: string;
  startedAt: number;
  /** How long a graceful stop may wait for running jobs. */
  stopGraceMs?: number;
}

/**
 * Whether the process runs. A detached daemon that has exited stays a zombie until whoever
 * adopted it reaps it, and signal 0 still reaches a zombie, so /proc is asked as well.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** The record of a live daemon, or undefined (no file, unreadable, or a stale one). */
export function readPidFile(path: string): PidRecord | undefined {
  let record: PidRecord;
  try {
    record = JSON.parse(readFileSync(path, 'utf8')) as PidRecord;
  } catch {
    return undefined;
  }
  if (!Number.isInteger(record.pid) || !isProcessAlive(record.pid)) return undefined;
  return record;
}

export function writePidFile(path: string, record: PidRecord): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, JSON.stringify(record) + '\n', { mode: 0o600 });
}

export function removePidFile(path: string, pid = process.pid): void {
  try {
    const record = JSON.parse(readFileSync(path, 'utf8')) as PidRecord;
    if (record.pid !== pid) return;
  } catch {
    return;
  }
  rmSync(path, { force: true });
}
