// The daemon's HTTP endpoint (SPEC parts 2 and 14): `POST /rpc` with `{"command", "params"}`,
// answered with JSON `{"ok": true, ...}` or `{"ok": false, "error": "..."}`, and `GET /health`.
// The caller registers one handler per command; this file owns the HTTP side: security checks
// (Host, Content-Type, body size, token), parsing, params validation, status codes and error answers.
// Requests are handled concurrently: a slow handler never holds up another request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { RPC_PARAM_SCHEMAS, type KnownRpcCommand, type RpcCommandParams } from './command-params.js';
import { ParamsValidator } from './params-validator.js';
import { RpcServerStartError } from './errors.js';

export const DEFAULT_RPC_HOST = '127.0.0.1';
export const DEFAULT_RPC_PORT = 8555;
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

/** What a handler learns about the request besides its params. */
export interface RpcRequestContext {
  command: string;
  /** Aborted when the client goes away before the answer is sent. */
  signal: AbortSignal;
}

/** Handles one command: resolves with the answer's fields (`ok: true` is added), throws to answer `ok:false`. */
export type RpcHandler<P = Record<string, unknown>> = (params: P, context: RpcRequestContext) => Promise<object>;

/** Handlers for the known commands, typed by their params (any subset may be given). */
export type RpcHandlers = { [C in KnownRpcCommand]?: RpcHandler<RpcCommandParams[C]> } & Record<string, RpcHandler<any>>;

/** Where the server reports handler failures (pino's logger fits). */
export interface RpcLogger {
  error(obj: object, msg: string): void;
}

export interface RpcServerOptions {
  /** Address to bind. Default 127.0.0.1. Anything but loopback needs `token`. */
  host?: string;
  /** Port; default 8555; 0 picks a free one. */
  port?: number;
  /** When set, every `/rpc` request needs `Authorization: Bearer <token>`. */
  token?: string;
  /** Largest accepted request body. Default 1 MiB. */
  bodyLimitBytes?: number;
  handlers?: RpcHandlers;
  /** Further host names accepted in the `Host` header (besides the bound address, localhost, 127.0.0.1, ::1). */
  allowedHosts?: string[];
  logger?: RpcLogger;
  /** How long an idle keep-alive connection stays open. Default 5000 ms. */
  keepAliveTimeoutMs?: number;
}

export interface RpcAddress {
  host: string;
  port: number;
  /** e.g. `http://127.0.0.1:8555` */
  url: string;
}

type Answer = { status: number; body: Record<string, unknown>; headers?: Record<string, string> };

export class RpcServer {
  private readonly host: string;
  private readonly requestedPort: number;
  private readonly token?: Buffer;
  private readonly bodyLimit: number;
  private readonly handlers = new Map<string, RpcHandler<any>>();
  private readonly validator = new ParamsValidator();
  private readonly extraHosts: Set<string>;
  private readonly logger?: RpcLogger;
  private readonly server: Server;
  private bound?: RpcAddress;

  constructor(options: RpcServerOptions = {}) {
    this.host = options.host ?? DEFAULT_RPC_HOST;
    this.requestedPort = options.port ?? DEFAULT_RPC_PORT;
    if (options.token !== undefined) {
      if (options.token.length === 0) throw new RpcServerStartError('the access token must not be empty');
      this.token = digest(options.token);
    }
    this.bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
    this.extraHosts = new Set((options.allowedHosts ?? []).map((h) => h.toLowerCase()));
    this.logger = options.logger;
    for (const [command, schema] of Object.entries(RPC_PARAM_SCHEMAS)) this.validator.set(command, schema);
    for (const [command, handler] of Object.entries(options.handlers ?? {})) if (handler) this.register(command, handler);
    this.server = createServer({ keepAlive: true }, (req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 5000;
  }

  /**
   * Registers (or replaces) the handler of a command. `paramsSchema` (JSON Schema of `params`)
   * replaces the built-in one of a known command, or adds checking to a new command.
   */
  register<C extends KnownRpcCommand>(command: C, handler: RpcHandler<RpcCommandParams[C]>, paramsSchema?: object): void;
  register(command: string, handler: RpcHandler<any>, paramsSchema?: object): void;
  register(command: string, handler: RpcHandler<any>, paramsSchema?: object): void {
    this.handlers.set(command, handler);
    if (paramsSchema) this.validator.set(command, paramsSchema);
  }

  /** The registered command names, sorted. */
  commands(): string[] {
    return [...this.handlers.keys()].sort();
  }

  /** Starts listening. Refuses a non-loopback address without a token, and a port in use. */
  async listen(): Promise<RpcAddress> {
    if (this.bound) return this.bound;
    if (!isLoopback(this.host) && !this.token) {
      throw new RpcServerStartError(
        `refusing to listen on ${this.host}: an address other than loopback needs an access token (--token or INSTRUMENT_SCRIPT_SERVER_TOKEN)`,
      );
    }
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        this.server.off('listening', onListening);
        const where = `${this.host}:${this.requestedPort}`;
        if (err.code === 'EADDRINUSE') reject(new RpcServerStartError(`cannot listen on ${where}: the port is already in use (is another daemon running?)`, { cause: err }));
        else reject(new RpcServerStartError(`cannot listen on ${where}: ${err.message}`, { cause: err }));
      };
      const onListening = () => {
        this.server.off('error', onError);
        resolve();
      };
      this.server.once('error', onError);
      this.server.once('listening', onListening);
      this.server.listen({ host: this.host, port: this.requestedPort });
    });
    if (this.server.listenerCount('error') === 0) this.server.on('error', (err) => this.logger?.error({ err }, 'rpc: server error'));
    const { port } = this.server.address() as AddressInfo;
    const urlHost = this.host.includes(':') ? `[${this.host}]` : this.host;
    this.bound = { host: this.host, port, url: `http://${urlHost}:${port}` };
    return this.bound;
  }

  /** Where the server listens (after `listen`). */
  get address(): RpcAddress | undefined {
    return this.bound;
  }

  /**
   * Stops listening and closes idle connections at once; requests in progress get `graceMs` to be
   * answered before their connections are closed too.
   */
  async close(graceMs = 2000): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const timer = setTimeout(() => this.server.closeAllConnections(), graceMs);
    try {
      await closed;
    } finally {
      clearTimeout(timer);
      this.bound = undefined;
    }
  }

  // ---- one request ------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let answer: Answer;
    try {
      answer = await this.answer(req, res);
    } catch (err) {
      this.logger?.error({ err }, 'rpc: unexpected failure while answering a request');
      answer = { status: 500, body: { ok: false, error: 'internal error' } };
    }
    send(res, answer);
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<Answer> {
    const host = req.headers.host;
    if (!this.hostAllowed(host)) {
      return fail(403, `Host ${host === undefined ? '(missing)' : `"${host}"`} is not allowed: use ${this.bound?.url ?? 'the address the daemon listens on'}`, {
        Connection: 'close',
      });
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405, `${req.method} is not allowed on /health: use GET`, { Allow: 'GET, HEAD' });
      return { status: 200, body: { ok: true, service: 'instrument-script-server' } };
    }
    if (path !== '/rpc') return fail(404, `no endpoint ${path}: use POST /rpc (or GET /health)`);
    if (req.method !== 'POST') return fail(405, `${req.method} is not allowed on /rpc: use POST`, { Allow: 'POST' });
    if (this.token && !this.tokenMatches(req.headers.authorization)) {
      return fail(401, 'missing or wrong access token: send "Authorization: Bearer <token>"', { Connection: 'close', 'WWW-Authenticate': 'Bearer' });
    }
    const type = req.headers['content-type'];
    if (!isJsonContentType(type)) {
      return fail(415, `Content-Type must be application/json (got ${type === undefined ? 'none' : `"${type}"`})`, { Connection: 'close' });
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.bodyLimit) return this.tooLarge(req);
    const body = await readBody(req, this.bodyLimit);
    if (body === 'too large') return this.tooLarge(req);
    if (body === 'aborted') return fail(400, 'the request body was not received completely');

    let request: unknown;
    try {
      request = JSON.parse(body.toString('utf8'));
    } catch (err) {
      return fail(400, `malformed JSON in the request body: ${(err as Error).message}`);
    }
    if (typeof request !== 'object' || request === null || Array.isArray(request)) {
      return fail(400, 'the request body must be a JSON object like {"command": "...", "params": {...}}');
    }
    const { command, params = {} } = request as { command?: unknown; params?: unknown };
    if (typeof command !== 'string' || command.length === 0) {
      return fail(400, 'the request needs "command" (a string), like {"command": "job_list", "params": {}}');
    }
    if (typeof params !== 'object' || params === null || Array.isArray(params)) return fail(400, `${command}: "params" must be a JSON object`);
    const handler = this.handlers.get(command);
    if (!handler) return fail(404, `unknown command "${command}"; known commands: ${this.commands().join(', ')}`, undefined, { known_commands: this.commands() });
    const problem = this.validator.check(command, params as Record<string, unknown>);
    if (problem) return fail(400, problem);

    const abort = new AbortController();
    const onClose = () => {
      if (!res.writableEnded) abort.abort();
    };
    res.once('close', onClose);
    try {
      const result = await handler(params, { command, signal: abort.signal });
      return { status: 200, body: { ...result, ok: true } };
    } catch (err) {
      return this.handlerFailure(command, err);
    }
  }

  private handlerFailure(command: string, err: unknown): Answer {
    const e = err as { httpStatus?: unknown; details?: unknown; message?: unknown };
    const status = typeof e?.httpStatus === 'number' && e.httpStatus >= 400 && e.httpStatus < 600 ? e.httpStatus : 500;
    const message = err instanceof Error && err.message ? err.message : `${command} failed`;
    if (status >= 500) this.logger?.error({ err, command }, `rpc: ${command} failed`);
    const details = typeof e?.details === 'object' && e.details !== null ? (e.details as Record<string, unknown>) : undefined;
    return fail(status, message, undefined, details);
  }

  private tooLarge(req: IncomingMessage): Answer {
    // Discard what the client still sends so it can read the answer; the connection closes after it.
    req.resume();
    return fail(413, `the request body is larger than the limit of ${this.bodyLimit} bytes`, { Connection: 'close' });
  }

  private hostAllowed(header: string | undefined): boolean {
    if (!header || !this.bound) return false;
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(header.trim().toLowerCase());
    if (!m) return false;
    const name = m[1]!.replace(/^\[|\]$/g, '');
    const port = m[2] === undefined ? 80 : Number(m[2]);
    if (port !== this.bound.port) return false;
    // On a wildcard bind the token, not the Host, protects the endpoint.
    if (this.host === '0.0.0.0' || this.host === '::') return true;
    return name === this.host.toLowerCase() || name === 'localhost' || name === '127.0.0.1' || name === '::1' || this.extraHosts.has(name);
  }

  private tokenMatches(authorization: string | undefined): boolean {
    const m = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    return m !== null && timingSafeEqual(digest(m[1]!.trim()), this.token!);
  }
}

function fail(status: number, error: string, headers?: Record<string, string>, details?: Record<string, unknown>): Answer {
  return { status, body: { ...details, ok: false, error }, ...(headers && { headers }) };
}

function send(res: ServerResponse, answer: Answer): void {
  if (res.headersSent || res.destroyed) return;
  let json: string;
  try {
    json = JSON.stringify(answer.body);
  } catch {
    answer = { status: 500, body: { ok: false, error: 'internal error: the answer could not be encoded as JSON' } };
    json = JSON.stringify(answer.body);
  }
  res.writeHead(answer.status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(json),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...answer.headers,
  });
  res.end(json);
}

/** Reads the body up to `limit` bytes; past it, keeps discarding so the client can read the 413. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (chunks.length > 0) chunks.length = 0;
      // A client that keeps streaming far past the limit is cut off instead of being read forever.
      if (size > 16 * limit + 1024 * 1024) {
        req.destroy();
        resolve('too large');
      }
    });
    req.on('end', () => resolve(size > limit ? 'too large' : Buffer.concat(chunks, size)));
    req.on('error', () => resolve('aborted'));
    req.on('aborted', () => resolve('aborted'));
  });
}

function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(';')[0]!.trim().toLowerCase() === 'application/json';
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Whether an address only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || /^::ffff:127(\.\d{1,3}){3}$/.test(h);
}
