// The small interface every VISA transport implements (raw socket, VXI-11, HiSLIP, serial,
// USBTMC), and the errors a driver needs to tell apart: a timeout leaves the connection usable,
// a closed connection does not.

export interface Transport {
  /** Where it talks to, for messages: "raw socket 10.0.0.5:5025". */
  readonly description: string;
  readonly isOpen: boolean;
  open(timeoutMs: number): Promise<void>;
  /** Sends one complete message (termination already appended for stream transports). */
  write(data: Buffer, timeoutMs: number): Promise<void>;
  /** Reads one complete reply: up to the termination, the end of a definite-length block, or END. */
  read(timeoutMs: number): Promise<Buffer>;
  /** Drops bytes of an earlier reply nobody waited for (after a timeout). */
  discardInput(): void;
  close(): Promise<void>;
}

export class TransportTimeoutError extends Error {
  constructor(readonly timeoutMs: number, what: string) {
    super(`${what} timed out after ${timeoutMs} ms`);
    this.name = 'TransportTimeoutError';
  }
}

/** The connection is gone (closed by the peer, reset, unplugged); it must be reopened. */
export class TransportClosedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransportClosedError';
  }
}

/** The instrument answered at the protocol level with an error (VXI-11 error code, HiSLIP Error message). */
export class TransportProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransportProtocolError';
  }
}
