// The daemon: one InstrumentServer serving RPC until SIGTERM/SIGINT or `daemon stop`, with a
// PID file per port. Run in its own process by `instrument-server daemon start` (detached,
// reporting readiness over its IPC channel; see process.ts) or in the CLI's process with
// `daemon start --foreground` under a service manager.
import { join } from 'node:path';
import { InstrumentServer } from '../server/instrument-server.js';
import { pidFilePath } from './paths.js';
import { readPidFile, removePidFile, writePidFile } from './pid-file.js';

export interface DaemonOptions {
  port: number;
  host: string;
  token?: string;
  dataDir: string;
  logDir?: string;
  logLevel: string;
  restore: boolean;
  runtimeDir?: string;
  libraryPaths?: string[];
  scriptTimeLimitMs?: number;
  scriptMemoryLimitBytes?: number;
  /** How long a graceful stop lets running jobs finish before canceling them (default 30 s). */
  stopGraceMs?: number;
}

export const DEFAULT_STOP_GRACE_MS = 30_000;

/** What a detached daemon tells the CLI that started it. */
export type DaemonReport = { ready: true; pid: number; url: string; restoreProblems: string[] } | { ready: false; error: string };

export function report(message: DaemonReport): void {
  if (process.send) {
    process.send(message, () => process.disconnect?.());
  }
}

export async function runDaemon(options: DaemonOptions): Promise<InstrumentServer> {
  const pidFile = pidFilePath(options.port, options.runtimeDir);
  const existing = readPidFile(pidFile);
  if (existing) throw new Error(`a daemon is already running on port ${options.port} (pid ${existing.pid})`);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      try {
        await server.stop({ jobGraceMs: options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS });
      } finally {
        removePidFile(pidFile);
      }
    })();
    return stopping;
  };
  const server: InstrumentServer = await InstrumentServer.start({
    dataDir: options.dataDir,
    logDir: options.logDir ?? join(options.dataDir, 'logs'),
    logLevel: options.logLevel,
    restore: options.restore,
    libraryPaths: options.libraryPaths,
    scriptTimeLimitMs: options.scriptTimeLimitMs,
    scriptMemoryLimitBytes: options.scriptMemoryLimitBytes,
    rpc: { port: options.port, host: options.host, token: options.token },
    onStopRequested: () => void stop().then(() => process.exit(0)),
  });
  writePidFile(pidFile, {
    pid: process.pid,
    port: options.port,
    host: options.host,
    dataDir: options.dataDir,
    startedAt: Date.now(),
    stopGraceMs: options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS,
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
  report({ ready: true, pid: process.pid, url: server.rpc!.url, restoreProblems: server.restoreProblems });
  return server;
}
