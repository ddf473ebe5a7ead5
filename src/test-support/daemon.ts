// Test support: a real daemon process (the CLI's `daemon start --foreground`, a child of the
// test so its exit is an event), its RPC client, and the lab's configuration files.
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RpcClient } from '../rpc/index.js';
import { waitForLine } from './events.js';
import { freePort } from '../daemon/free-port.js';

export { freePort };

const here = dirname(fileURLToPath(import.meta.url));
export const CLI = resolve(here, '../cli/main.js');
export const LAB = resolve(here, '../../examples/lab');
export const labConfig = (name: 'dac1' | 'dmm1' | 'scope1'): string => join(LAB, 'configs', `${name}.yaml`);

export interface RunningDaemon {
  child: ChildProcess;
  port: number;
  url: string;
  client: RpcClient;
  env: NodeJS.ProcessEnv;
  /** Resolves with the exit code / signal when the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

/** Environment that keeps a test's PID files and data apart from everything else. */
export function isolatedEnv(root: string): NodeJS.ProcessEnv {
  return { ...process.env, XDG_RUNTIME_DIR: join(root, 'run'), XDG_STATE_HOME: join(root, 'state'), INSTRUMENT_SCRIPT_SERVER_TOKEN: '' };
}

export async function startDaemon(options: { root: string; port?: number; dataDir?: string; args?: string[] }): Promise<RunningDaemon> {
  const port = options.port ?? (await freePort());
  const env = isolatedEnv(options.root);
  const args = [CLI, '--port', String(port), 'daemon', 'start', '--foreground', '--data-dir', options.dataDir ?? join(options.root, 'data'), ...(options.args ?? [])];
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    await Promise.race([
      waitForLine(child.stdout!, /daemon running in the foreground/, 20_000),
      exited.then(({ code }) => Promise.reject(new Error(`daemon exited with code ${code} while starting: ${stderr}`))),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const url = `http://127.0.0.1:${port}`;
  const client = new RpcClient({ url });
  return {
    child,
    port,
    url,
    client,
    env,
    exited,
    async stop() {
      client.close();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Runs the CLI to completion with the daemon's environment and port. */
export function runCli(daemon: { port: number; env: NodeJS.ProcessEnv }, args: string[], cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [CLI, '--port', String(daemon.port), ...args], { env: daemon.env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolveRun({ code, stdout, stderr }));
  });
}

/** POSTs to /rpc with a chosen Host header (fetch would not send one), returning the HTTP status. */
export function postWithHost(url: string, host: string, body: string): Promise<number> {
  return new Promise((resolveStatus, reject) => {
    const request = httpRequest(`${url}/rpc`, { method: 'POST', headers: { host, 'content-type': 'application/json' } }, (response) => {
      response.resume();
      resolveStatus(response.statusCode ?? 0);
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** POSTs a raw body to /rpc and returns status and parsed answer (for malformed-input tests). */
export async function rawRpc(url: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<{ status: number; answer: Record<string, unknown> }> {
  const response = await fetch(`${url}/rpc`, { method: 'POST', body, headers });
  return { status: response.status, answer: (await response.json()) as Record<string, unknown> };
}
