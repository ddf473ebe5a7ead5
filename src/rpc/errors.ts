// Errors of the RPC layer, server and client side, as named classes callers can tell apart.

/**
 * Thrown by a command handler to answer `ok:false` with a chosen HTTP status and extra fields.
 * (Any error with a numeric `httpStatus` and optional `details` object is answered the same way,
 * e.g. the job queue's errors; other errors become HTTP 500 with their message.)
 */
export class RpcError extends Error {
  override name = 'RpcError';
  constructor(
    message: string,
    readonly httpStatus: number = 400,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** The server cannot start as configured (non-loopback address without token, port in use). */
export class RpcServerStartError extends Error {
  override name = 'RpcServerStartError';
}

/** Client side: nothing is listening at the daemon's address. */
export class DaemonUnreachableError extends Error {
  override name = 'DaemonUnreachableError';
  constructor(
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(`no daemon is answering at ${url} — start one with \`instrument-server daemon start\``, options);
  }
}

/** Client side: the daemon answered `ok:false`. `message` is the daemon's `error`. */
export class RpcCommandError extends Error {
  override name = 'RpcCommandError';
  constructor(
    readonly command: string,
    message: string,
    readonly httpStatus: number,
    /** The whole answer, e.g. with `status` for a job_result on an unfinished job. */
    readonly response: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Client side: something answered, but not like an instrument-server daemon (not JSON, no `ok`). */
export class RpcProtocolError extends Error {
  override name = 'RpcProtocolError';
}
