// `instrument-server daemon start|stop|status` (SPEC part 1).
import { fork } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { ensureFolder } from '../../server/folders.js';
import { connectionOptions, daemonPort, withDaemon } from '../daemon-connection.js';
import { defaultDataDir, pidFilePath } from '../../daemon/paths.js';
import { isProcessAlive, readPidFile } from '../../daemon/pid-file.js';
import type { DaemonOptions, DaemonReport } from '../../daemon/main.js';

const DAEMON_ENTRY = fileURLToPath(new URL('../../daemon/process.js', import.meta.url));
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;

interface StartOptions {
  foreground?: boolean;
  dataDir?: string;
  logDir?: string;
  restore?: boolean;
  lib?: string[];
  scriptTimeLimit?: string;
  scriptMemoryLimit?: string;
  stopGrace?: string;
}

function mebibytes(value: number | undefined): number | undefined {
  return value === undefined ? undefined : Math.round(value * 1024 * 1024);
}

function positiveNumber(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new CliError(`${option} must be a number ≥ 0, not ${JSON.stringify(text)}`);
  return value;
}

function daemonOptions(command: Command, options: StartOptions): DaemonOptions {
  const connection = connectionOptions(command);
  const dataDir = resolve(options.dataDir ?? defaultDataDir());
  return {
    port: daemonPort(command),
    host: connection.host ?? '127.0.0.1',
    token: connection.token || process.env.INSTRUMENT_SCRIPT_SERVER_TOKEN || undefined,
    dataDir,
    logDir: resolve(options.logDir ?? join(dataDir, 'logs')),
    logLevel: (command.optsWithGlobals() as { logLevel?: string }).logLevel ?? 'info',
    restore: options.restore ?? false,
    libraryPaths: (options.lib ?? []).map((p) => resolve(p)),
    scriptTimeLimitMs: positiveNumber(options.scriptTimeLimit, '--script-time-limit'),
    scriptMemoryLimitBytes: mebibytes(positiveNumber(options.scriptMemoryLimit, '--script-memory-limit')),
    stopGraceMs: positiveNumber(options.stopGrace, '--stop-grace'),
  };
}

/** Starts the daemon detached and returns once its RPC endpoint answers (or says why it could not start). */
function startDetached(options: DaemonOptions): Promise<{ pid: number; url: string; restoreProblems: string[] }> {
  ensureFolder(options.dataDir, 'data folder');
  ensureFolder(options.logDir!, 'log folder');
  const outputPath = join(options.logDir!, 'daemon.out');
  const output = openSync(outputPath, 'a');
  const child = fork(DAEMON_ENTRY, [], { detached: true, stdio: ['ignore', output, output, 'ipc'] });
  closeSync(output);
  // Over IPC, not in argv: the options may hold the access token.
  child.send(options);
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new CliError(`the daemon did not become ready within ${START_TIMEOUT_MS / 1000} s; see ${outputPath}`));
    }, START_TIMEOUT_MS);
    const finish = () => {
      clearTimeout(timer);
      child.removeAllListeners();
      child.unref();
      if (child.connected) child.disconnect();
    };
    child.on('message', (message: DaemonReport) => {
      finish();
      if (message.ready) resolvePromise({ pid: message.pid, url: message.url, restoreProblems: message.restoreProblems });
      else reject(new CliError(`the daemon could not start: ${message.error}`));
    });
    child.on('exit', (code, signal) => {
      finish();
      let tail = '';
      try {
        tail = readFileSync(outputPath, 'utf8').trim().split('\n').slice(-5).join('\n');
      } catch {
        // no output to show
      }
      reject(new CliError(`the daemon exited while starting (${signal ?? `code ${code}`})${tail ? `:\n${tail}` : ''}`));
    });
  });
}

function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolvePromise) => {
    const check = () => {
      if (!isProcessAlive(pid)) return resolvePromise(true);
      if (Date.now() > deadline) return resolvePromise(false);
      setTimeout(check, 25);
    };
    check();
  });
}

export function registerDaemon(program: Command): void {
  const daemon = program.command('daemon').description('start, stop or ask about the background daemon');

  daemon
    .command('start')
    .description('start the daemon in the background (returns once it answers RPC) or, with --foreground, in this process')
    .option('--foreground', 'stay attached (for systemd and containers)')
    .option('--data-dir <dir>', 'job database folder (default $XDG_STATE_HOME/instrument-server)')
    .option('--log-dir <dir>', 'log folder (default <data-dir>/logs)')
    .option('--restore', 'start again the instruments that were running when the daemon last stopped')
    .option('--lib <dir...>', 'folders Lua `require` searches after the script folder')
    .option('--script-time-limit <ms>', 'wall-time limit of a script in ms (default 3600000; 0 = none)')
    .option('--script-memory-limit <MiB>', 'memory cap of a script in MiB (default 64)')
    .option('--stop-grace <ms>', 'on stop, how long running jobs may finish before they are canceled (default 30000); queued jobs stay queued')
    .action(async (options: StartOptions, command: Command) => {
      const settings = daemonOptions(command, options);
      const running = readPidFile(pidFilePath(settings.port));
      if (running) throw new CliError(`a daemon is already running on port ${settings.port} (pid ${running.pid})`);
      if (options.foreground) {
        // Loaded here: the rest of the CLI stays quick to start without the whole server.
        const { runDaemon } = await import('../../daemon/main.js');
        const server = await runDaemon(settings);
        for (const problem of server.restoreProblems) process.stderr.write(`warning: not restored: ${problem}\n`);
        process.stdout.write(`daemon running in the foreground (pid ${process.pid}) at http://${settings.host}:${settings.port}\n`);
        return;
      }
      const started = await startDetached(settings);
      for (const problem of started.restoreProblems) process.stderr.write(`warning: not restored: ${problem}\n`);
      process.stdout.write(`daemon started (pid ${started.pid}) at ${started.url}\n`);
    });

  daemon
    .command('stop')
    .description('stop the daemon gracefully: jobs finish or are re-queued, instruments stop')
    .action(async (_options: unknown, command: Command) => {
      const port = daemonPort(command);
      const running = readPidFile(pidFilePath(port));
      if (!running) throw new CliError(`no daemon is running on port ${port}`);
      try {
        await withDaemon(command, (client) => client.call('daemon', { action: 'stop' }));
      } catch {
        // RPC not answering (or refusing): fall back to the signal, which stops it the same way.
        process.kill(running.pid, 'SIGTERM');
      }
      // Running jobs get the daemon's grace period to finish; stopping instruments takes a little more.
      const timeoutMs = (running.stopGraceMs ?? 30_000) + STOP_TIMEOUT_MS;
      if (!(await waitForExit(running.pid, timeoutMs))) {
        throw new CliError(`the daemon (pid ${running.pid}) did not stop within ${timeoutMs / 1000} s`);
      }
      process.stdout.write(`daemon stopped (pid ${running.pid})\n`);
    });

  daemon
    .command('status')
    .description('say whether a daemon is running (exit 0) or not (exit 1)')
    .action(async (_options: unknown, command: Command) => {
      const port = daemonPort(command);
      const running = readPidFile(pidFilePath(port));
      if (!running) throw new CliError(`no daemon is running on port ${port}`);
      const answer = await withDaemon(command, (client) => client.call('daemon', { action: 'status' }));
      const instruments = (answer.instruments as string[]).join(', ') || 'none';
      process.stdout.write(`daemon running (pid ${running.pid}) at ${String(answer.rpc)}; data in ${running.dataDir}; instruments: ${instruments}\n`);
    });
}
