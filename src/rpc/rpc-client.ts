// A small typed client of the daemon's RPC endpoint, for the CLI, the embedding API and tests.
// One keep-alive connection pool per client; idle connections do not keep the process alive.
import { Agent, request } from 'node:http';
import type { KnownRpcCommand, RpcCommandParams } from './command-params.js';
import { DaemonUnreachableError, RpcCommandError, RpcProtocolError } from './errors.js';
import { DEFAULT_RPC_HOST, DEFAULT_RPC_PORT } from './rpc-server.js';

export interface RpcClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:8555`. Overrides host/port. */
  url?: string;
  host?: string;
  /** Default: INSTRUMENT_SCRIPT_SERVER_RPC_PORT, else 8555. */
  port?: number;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Give up on a call after this long (default: wait as long as the daemon takes). */
  timeoutMs?: number;
}

/** Any answer of the daemon. */
export type RpcAnswer = { ok: true; [field: string]: unknown } | { ok: false; error: string; [field: string]: unknown };
/** A successful answer. */
export type RpcOk = { ok: true; [field: string]: unknown };

/** The RPC port from INSTRUMENT_SCRIPT_SERVER_RPC_PORT, else 8555. */
export function rpcPortFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env['INSTRUMENT_SCRIPT_SERVER_RPC_PORT'];
  if (raw === undefined || raw === '') return DEFAULT_RPC_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`INSTRUMENT_SCRIPT_SERVER_RPC_PORT must be a port number (0-65535), not "${raw}"`);
  }
  return port;
}

export class RpcClient {
  /** e.g. `http://127.0.0.1:8555` */
  readonly url: string;
  private readonly target: URL;
  private readonly token?: string;
  private readonly timeoutMs?: number;
  private readonly agent = new Agent({ keepAlive: true });

  constructor(options: RpcClientOptions = {}) {
    const host = options.host ?? DEFAULT_RPC_HOST;
    const base = options.url ?? `http://${host.includes(':') ? `[${host}]` : host}:${options.port ?? rpcPortFromEnv()}`;
    this.target = new URL(base);
    this.url = this.target.origin;
    this.token = options.token;
    this.timeoutMs = options.timeoutMs;
  }

  /** Runs a command; resolves with the answer, throws RpcCommandError when it is `ok:false`. */
  call<C extends KnownRpcCommand>(command: C, params: RpcCommandParams[C]): Promise<RpcOk>;
  call(command: string, params?: Record<string, unknown>): Promise<RpcOk>;
  async call(command: string, params: object = {}): Promise<RpcOk> {
    const { status, answer } = await this.exchange('POST', '/rpc', JSON.stringify({ command, params }));
    if (answer.ok) return answer;
    throw new RpcCommandError(command, answer.error, status, answer);
  }

  /** Runs a command and returns the answer as it is, `ok:false` included. */
  async send(command: string, params: object = {}): Promise<RpcAnswer> {
    return (await this.exchange('POST', '/rpc', JSON.stringify({ command, params }))).answer;
  }

  /** Whether a daemon answers at the address (false when nothing listens). */
  async health(): Promise<boolean> {
    try {
      return (await this.exchange('GET', '/health')).answer.ok === true;
    } catch (err) {
      if (err instanceof DaemonUnreachableError) return false;
      throw err;
    }
  }

  /** Closes the client's pooled connections. */
  close(): void {
    this.agent.destroy();
  }

  private async exchange(method: 'GET' | 'POST', path: string, body?: string): Promise<{ status: number; answer: RpcAnswer }> {
    try {
      return await this.exchangeOnce(method, path, body);
    } catch (err) {
      // A pooled connection the daemon closed while idle: the request never reached it, send it again.
      if (err instanceof StaleConnectionError) return this.exchangeOnce(method, path, body);
      throw err;
    }
  }

  private exchangeOnce(method: 'GET' | 'POST', path: string, body?: string): Promise<{ status: number; answer: RpcAnswer }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { Accept: 'application/json' };
      if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = Buffer.byteLength(body);
      }
      if (this.token) headers['Authorization'] = `Bearer ${this.token}`;
      const req = request(
        { protocol: this.target.protocol, hostname: this.target.hostname.replace(/^\[|\]$/g, ''), port: this.target.port || 80, path, method, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let answer: unknown;
            try {
              answer = JSON.parse(text);
            } catch {
              answer = undefined;
            }
            if (typeof answer !== 'object' || answer === null || typeof (answer as { ok?: unknown }).ok !== 'boolean') {
              reject(new RpcProtocolError(`${this.url}${path} answered HTTP ${res.statusCode} without a JSON {"ok": ...} body: is it an instrument-server daemon?`));
              return;
            }
            const a = answer as RpcAnswer;
            if (!a.ok && typeof a.error !== 'string') (a as { error: string }).error = `HTTP ${res.statusCode}`;
            resolve({ status: res.statusCode ?? 0, answer: a });
          });
        },
      );
      if (this.timeoutMs !== undefined) {
        req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`no answer from ${this.url} within ${this.timeoutMs} ms`)));
      }
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (req.reusedSocket && err.code === 'ECONNRESET') reject(new StaleConnectionError());
        else if (err.code && UNREACHABLE.has(err.code)) reject(new DaemonUnreachableError(this.url, { cause: err }));
        else reject(err);
      });
      req.end(body);
    });
  }
}

class StaleConnectionError extends Error {}

const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
