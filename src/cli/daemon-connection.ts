// How CLI commands reach the daemon: global --port/--host/--token, else
// INSTRUMENT_SCRIPT_SERVER_RPC_PORT / INSTRUMENT_SCRIPT_SERVER_TOKEN, else 127.0.0.1:8555.
import type { Command } from 'commander';
import { RpcClient } from '../rpc/index.js';
import { resolvePort } from '../daemon/paths.js';

export interface ConnectionOptions {
  port?: string;
  host?: string;
  token?: string;
}

export function connectionOptions(command: Command): ConnectionOptions {
  return command.optsWithGlobals() as ConnectionOptions;
}

export function daemonPort(command: Command): number {
  return resolvePort(connectionOptions(command).port);
}

export function daemonClient(command: Command): RpcClient {
  const options = connectionOptions(command);
  const host = options.host ?? '127.0.0.1';
  return new RpcClient({ host, port: daemonPort(command), token: options.token || process.env.INSTRUMENT_SCRIPT_SERVER_TOKEN || undefined });
}

/** Runs `fn` with a client and closes it afterwards, so the CLI exits promptly. */
export async function withDaemon<T>(command: Command, fn: (client: RpcClient) => Promise<T>): Promise<T> {
  const client = daemonClient(command);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}
