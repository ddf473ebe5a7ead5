// A SCPI instrument on a raw TCP socket (like port 5025 of a real one), on 127.0.0.1.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { CommandLineSplitter, SimulatedScpiInstrument } from './scpi-instrument.js';

export class ScpiSocketSimulator {
  readonly instrument = new SimulatedScpiInstrument();
  connections = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {
    server.on('connection', (socket) => this.serve(socket));
  }

  static async start(): Promise<ScpiSocketSimulator> {
    const server = createServer();
    const simulator = new ScpiSocketSimulator(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return simulator;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get address(): string {
    return `TCPIP::127.0.0.1::${this.port}::SOCKET`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.connections++;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const lines = new CommandLineSplitter((message) => {
      if (socket.destroyed) return;
      const reply = this.instrument.handle(message);
      if (reply.kind === 'reply') socket.write(reply.data);
      else if (reply.kind === 'close-mid-reply') socket.end(reply.partial, () => socket.destroy());
    });
    socket.on('data', (chunk: Buffer) => lines.push(chunk));
  }
}
