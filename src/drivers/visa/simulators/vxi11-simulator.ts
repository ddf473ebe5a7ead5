// A VXI-11 instrument on 127.0.0.1: the core channel (create_link, device_write, device_read,
// destroy_link, plus harmless answers to readstb/trigger/clear), a portmapper of its own on a
// free port, and optional registration with the system's rpcbind (port 111) so clients that
// always ask port 111 (pyvisa-py, lxi-tools) find it.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import {
  decodeCall, encodeReply, portmapperRegister, RecordReader, XdrWriter,
  PMAPPROC_GETPORT, PMAPPROC_NULL, PORTMAPPER_PROGRAM, type RpcCall,
} from '../onc-rpc.js';
import { VXI11_CORE_PROGRAM, VXI11_CORE_VERSION, VXI11_FLAG_END, VXI11_IO_TIMEOUT, VXI11_PROC, VXI11_REASON_END, VXI11_REASON_REQCNT } from '../vxi11.js';
import { SimulatedScpiInstrument } from './scpi-instrument.js';

const PROC_UNAVAILABLE = 3;
const PROG_UNAVAILABLE = 1;

interface Link {
  id: number;
  device: string;
  incoming: Buffer[];
  output: Buffer | undefined;
  /** The next device_read gets half a reply record, then the connection closes. */
  dropOnRead: boolean;
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
}

export class Vxi11Simulator {
  readonly instrument = new SimulatedScpiInstrument();
  connections = 0;
  /** Devices create_link accepts. */
  readonly devices = new Set(['inst0', 'gpib0,7']);
  private nextLink = 1;
  private readonly links = new Map<number, Link>();
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private registeredWith: number | undefined;
  private readonly core = createServer((socket) => this.serve(socket, (call) => this.coreCall(call, socket)));
  private readonly portmapper = createServer((socket) => this.serve(socket, (call) => this.portmapperCall(call)));

  static async start(): Promise<Vxi11Simulator> {
    const simulator = new Vxi11Simulator();
    await Promise.all([listen(simulator.core), listen(simulator.portmapper)]);
    return simulator;
  }

  get corePort(): number {
    return (this.core.address() as AddressInfo).port;
  }

  get portmapperPort(): number {
    return (this.portmapper.address() as AddressInfo).port;
  }

  /** Registers the core channel with a system portmapper (rpcbind on 111); false when it refused. */
  async registerWith(portmapperPort = 111): Promise<boolean> {
    await portmapperRegister('127.0.0.1', portmapperPort, VXI11_CORE_PROGRAM, VXI11_CORE_VERSION, 0, false, 2000).catch(() => false);
    const ok = await portmapperRegister('127.0.0.1', portmapperPort, VXI11_CORE_PROGRAM, VXI11_CORE_VERSION, this.corePort, true, 2000);
    if (ok) this.registeredWith = portmapperPort;
    return ok;
  }

  async stop(): Promise<void> {
    if (this.registeredWith !== undefined) {
      await portmapperRegister('127.0.0.1', this.registeredWith, VXI11_CORE_PROGRAM, VXI11_CORE_VERSION, 0, false, 2000).catch(() => false);
    }
    for (const timer of this.timers) clearTimeout(timer);
    for (const socket of this.sockets) socket.destroy();
    await Promise.all([this.core, this.portmapper].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }

  private serve(socket: Socket, handle: (call: RpcCall) => Buffer | undefined): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const records = new RecordReader((record) => {
      const call = decodeCall(record);
      const reply = handle(call);
      if (reply && !socket.destroyed) socket.write(reply);
    });
    socket.on('data', (chunk: Buffer) => records.push(chunk));
  }

  private portmapperCall(call: RpcCall): Buffer {
    if (call.program !== PORTMAPPER_PROGRAM) return encodeReply(call.xid, Buffer.alloc(0), PROG_UNAVAILABLE);
    if (call.procedure === PMAPPROC_NULL) return encodeReply(call.xid, Buffer.alloc(0));
    if (call.procedure === PMAPPROC_GETPORT) {
      const program = call.args.uint();
      const port = program === VXI11_CORE_PROGRAM ? this.corePort : 0;
      return encodeReply(call.xid, new XdrWriter().uint(port).toBuffer());
    }
    return encodeReply(call.xid, Buffer.alloc(0), PROC_UNAVAILABLE);
  }

  private coreCall(call: RpcCall, socket: Socket): Buffer | undefined {
    if (call.program !== VXI11_CORE_PROGRAM) return encodeReply(call.xid, Buffer.alloc(0), PROG_UNAVAILABLE);
    const r = call.args;
    const error = (code: number): Buffer => encodeReply(call.xid, new XdrWriter().int(code).toBuffer());
    switch (call.procedure) {
      case VXI11_PROC.createLink: {
        r.int(); r.bool(); r.uint();
        const device = r.string();
        if (!this.devices.has(device)) return encodeReply(call.xid, new XdrWriter().int(21).int(0).uint(0).uint(0).toBuffer());
        const link: Link = { id: this.nextLink++, device, incoming: [], output: undefined, dropOnRead: false };
        this.links.set(link.id, link);
        this.connections++;
        return encodeReply(call.xid, new XdrWriter().int(0).int(link.id).uint(0).uint(0x10000).toBuffer());
      }
      case VXI11_PROC.deviceWrite: {
        const link = this.links.get(r.int());
        r.uint(); r.uint();
        const flags = r.int();
        const data = r.opaque();
        if (!link) return encodeReply(call.xid, new XdrWriter().int(4).uint(0).toBuffer());
        link.incoming.push(Buffer.from(data));
        if (flags & VXI11_FLAG_END) {
          const message = Buffer.concat(link.incoming).toString('latin1').replace(/\r?\n$/, '');
          link.incoming = [];
          link.output = undefined;
          const reply = this.instrument.handle(message);
          if (reply.kind === 'reply') link.output = reply.data;
          else if (reply.kind === 'close-mid-reply') link.dropOnRead = true;
        }
        return encodeReply(call.xid, new XdrWriter().int(0).uint(data.length).toBuffer());
      }
      case VXI11_PROC.deviceRead: {
        const link = this.links.get(r.int());
        const requestSize = r.uint();
        const ioTimeout = r.uint();
        if (!link) return encodeReply(call.xid, new XdrWriter().int(4).int(0).opaque(Buffer.alloc(0)).toBuffer());
        const output = link.output;
        if (link.dropOnRead) {
          link.dropOnRead = false;
          // Half a record, then the connection goes away.
          const whole = encodeReply(call.xid, new XdrWriter().int(0).int(VXI11_REASON_END).opaque(Buffer.alloc(400, 0x0a)).toBuffer());
          socket.end(whole.subarray(0, 100), () => socket.destroy());
          return undefined;
        }
        if (!output) {
          // Nothing to send: answer with an I/O timeout once io_timeout has passed, as instruments do.
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            if (!socket.destroyed) socket.write(encodeReply(call.xid, new XdrWriter().int(VXI11_IO_TIMEOUT).int(0).opaque(Buffer.alloc(0)).toBuffer()));
          }, Math.min(ioTimeout, 60_000));
          this.timers.add(timer);
          return undefined;
        }
        // Like many instruments, hand out at most 64 KiB per device_read.
        const size = Math.max(1, Math.min(requestSize, 0x10000));
        const chunk = output.subarray(0, size);
        const rest = output.subarray(chunk.length);
        link.output = rest.length > 0 ? rest : undefined;
        const reason = rest.length > 0 ? VXI11_REASON_REQCNT : VXI11_REASON_END;
        return encodeReply(call.xid, new XdrWriter().int(0).int(reason).opaque(chunk).toBuffer());
      }
      case VXI11_PROC.deviceReadStb:
        return encodeReply(call.xid, new XdrWriter().int(0).uint(0).toBuffer());
      case VXI11_PROC.deviceTrigger:
      case VXI11_PROC.deviceClear:
      case 16: // device_remote
      case 17: // device_local
      case 18: // device_lock
      case 19: // device_unlock
        return error(0);
      case VXI11_PROC.destroyLink: {
        const id = r.int();
        return error(this.links.delete(id) ? 0 : 4);
      }
      default:
        return encodeReply(call.xid, Buffer.alloc(0), PROC_UNAVAILABLE);
    }
  }
}
