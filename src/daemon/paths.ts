// Where a daemon keeps its files (SPEC part 1): the PID file in the runtime folder
// ($XDG_RUNTIME_DIR/instrument-server or /tmp/instrument-server-$USER), the SQLite database
// in the data folder ($XDG_STATE_HOME/instrument-server or ~/.local/state/instrument-server),
// and logs in <data folder>/logs. One PID file per port, so daemons on different ports can
// run side by side.
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';

export const DEFAULT_RPC_PORT = 8555;

export function runtimeDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'instrument-server');
  return `/tmp/instrument-server-${env.USER ?? userInfo().username}`;
}

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state');
  return join(state, 'instrument-server');
}

export function pidFilePath(port: number, dir = runtimeDir()): string {
  return join(dir, `daemon-${port}.pid`);
}

/** The port from --port, else INSTRUMENT_SCRIPT_SERVER_RPC_PORT, else 8555. */
export function resolvePort(option: string | number | undefined, env: NodeJS.ProcessEnv = process.env): number {
  const raw = option ?? env.INSTRUMENT_SCRIPT_SERVER_RPC_PORT ?? DEFAULT_RPC_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`invalid RPC port ${JSON.stringify(String(raw))}: expected an integer from 1 to 65535`);
  return port;
}
