// A HiSLIP instrument on 127.0.0.1 (synchronous mode): Initialize on the first connection opens
// a session, AsyncInitialize on the second binds the asynchronous channel to it; each DataEnd
// completes a command, and a reply goes back as DataEnd carrying the command's message id.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { encodeHislip, HISLIP, HISLIP_PROTOCOL_VERSION, HislipMessageReader, type HislipMessage } from '../hislip.js';
import { SimulatedScpiInstrument } from './scpi-instrument.js';

const SERVER_VENDOR = 0x5349; // "SI"
const MAX_MESSAGE = 1 << 20;

export class HislipSimulator {
  readonly instrument = new SimulatedScpiInstrument();
  sessions = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {
    server.on('connection', (socket) => this.serve(socket));
  }

  static async start(): Promise<HislipSimulator> {
    const simulator = new HislipSimulator(createServer());
    await new Promise<void>((resolve) => simulator.server.listen(0, '127.0.0.1', resolve));
    return simulator;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get address(): string {
    return `TCPIP::127.0.0.1::hislip0,${this.port}::INSTR`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let incoming: Buffer[] = [];
    const reader = new HislipMessageReader(
      (message) => this.onMessage(socket, message, incoming, (parts) => (incoming = parts)),
      () => socket.destroy(),
    );
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
  }

  private onMessage(socket: Socket, message: HislipMessage, incoming: Buffer[], setIncoming: (parts: Buffer[]) => void): void {
    switch (message.type) {
      case HISLIP.Initialize: {
        const sessionId = ++this.sessions;
        if (message.payload.toString('latin1') !== 'hislip0') {
          socket.write(encodeHislip(HISLIP.FatalError, 3, 0, Buffer.from(`unknown sub-address ${message.payload.toString('latin1')}`)));
          return;
        }
        socket.write(encodeHislip(HISLIP.InitializeResponse, 0, ((HISLIP_PROTOCOL_VERSION << 16) | sessionId) >>> 0));
        return;
      }
      case HISLIP.AsyncInitialize:
        socket.write(encodeHislip(HISLIP.AsyncInitializeResponse, 0, SERVER_VENDOR));
        return;
      case HISLIP.AsyncMaximumMessageSize: {
        const size = Buffer.alloc(8);
        size.writeBigUInt64BE(BigInt(MAX_MESSAGE));
        socket.write(encodeHislip(HISLIP.AsyncMaximumMessageSizeResponse, 0, 0, size));
        return;
      }
      case HISLIP.Data:
        incoming.push(message.payload);
        return;
      case HISLIP.DataEnd: {
        const text = Buffer.concat([...incoming, message.payload]).toString('latin1').replace(/\r?\n$/, '');
        setIncoming([]);
        const reply = this.instrument.handle(text);
        if (reply.kind === 'reply') {
          for (let offset = 0; offset < reply.data.length || offset === 0; offset += MAX_MESSAGE) {
            const chunk = reply.data.subarray(offset, offset + MAX_MESSAGE);
            const last = offset + MAX_MESSAGE >= reply.data.length;
            socket.write(encodeHislip(last ? HISLIP.DataEnd : HISLIP.Data, 0, message.parameter, chunk));
          }
        } else if (reply.kind === 'close-mid-reply') {
          const whole = encodeHislip(HISLIP.DataEnd, 0, message.parameter, Buffer.alloc(400, 0x0a));
          socket.end(whole.subarray(0, 100), () => socket.destroy());
        }
        return;
      }
      default:
        socket.write(encodeHislip(HISLIP.Error, 0, 0, Buffer.from(`message type ${message.type} not supported by the simulator`)));
    }
  }
}
