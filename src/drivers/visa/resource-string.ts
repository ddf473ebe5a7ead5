// VISA resource strings (the `connection.address` of a VISA instrument) and the transport each
// one selects. Only the forms real lab configs use are accepted; anything else is refused with
// a message that lists what is understood.

export type VisaResource =
  | { kind: 'socket'; board: number; host: string; port: number }
  | { kind: 'vxi11'; board: number; host: string; device: string }
  | { kind: 'hislip'; board: number; host: string; device: string; port: number }
  | { kind: 'serial'; path: string }
  | { kind: 'usbtmc'; path: string };

export class ResourceStringError extends Error {
  constructor(address: string, reason: string) {
    super(
      `VISA address "${address}" ${reason}; understood forms: TCPIP[n]::host::port::SOCKET, ` +
        'TCPIP[n]::host[::inst0|gpib0,7|hislip0]::INSTR, ASRL/dev/ttyUSB0::INSTR, ASRLn::INSTR, /dev/ttyUSB0, /dev/usbtmc0',
    );
    this.name = 'ResourceStringError';
  }
}

export const HISLIP_DEFAULT_PORT = 4880;

export function parseResourceString(address: string): VisaResource {
  const text = address.trim();
  if (/^\/dev\/usbtmc\d+$/.test(text)) return { kind: 'usbtmc', path: text };
  if (text.startsWith('/')) return { kind: 'serial', path: text };

  const parts = text.split('::');
  const head = parts[0]!.toUpperCase();

  const asrl = /^ASRL(.*)$/i.exec(parts[0]!);
  if (asrl) {
    if (parts.length !== 2 || parts[1]!.toUpperCase() !== 'INSTR') throw new ResourceStringError(address, 'is not a serial resource of the form ASRL<port>::INSTR');
    const port = asrl[1]!;
    if (port.startsWith('/')) return { kind: 'serial', path: port };
    if (/^\d+$/.test(port)) return { kind: 'serial', path: `/dev/ttyS${Math.max(0, Number(port) - 1)}` };
    if (port.length > 0) return { kind: 'serial', path: `/dev/${port}` };
    throw new ResourceStringError(address, 'names no serial port');
  }

  const tcpip = /^TCPIP(\d*)$/.exec(head);
  if (!tcpip) throw new ResourceStringError(address, 'has an unknown interface type');
  const board = tcpip[1] ? Number(tcpip[1]) : 0;
  const host = parts[1];
  if (!host) throw new ResourceStringError(address, 'names no host');
  const suffix = parts[parts.length - 1]!.toUpperCase();

  if (suffix === 'SOCKET') {
    if (parts.length !== 4) throw new ResourceStringError(address, 'is not of the form TCPIP::host::port::SOCKET');
    const port = Number(parts[2]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ResourceStringError(address, `has an invalid port "${parts[2]}"`);
    return { kind: 'socket', board, host, port };
  }
  if (suffix === 'INSTR') {
    if (parts.length === 3) return { kind: 'vxi11', board, host, device: 'inst0' };
    if (parts.length !== 4) throw new ResourceStringError(address, 'has too many fields for a TCPIP INSTR resource');
    const device = parts[2]!;
    const hislip = /^hislip\d+(?:,(\d+))?$/i.exec(device);
    if (hislip) {
      const port = hislip[1] ? Number(hislip[1]) : HISLIP_DEFAULT_PORT;
      if (port < 1 || port > 65535) throw new ResourceStringError(address, `has an invalid HiSLIP port "${hislip[1]}"`);
      return { kind: 'hislip', board, host, device: device.split(',')[0]!, port };
    }
    if (/^(inst\d+|gpib\d+,\d+(,\d+)?|[a-z][a-z0-9_,]*)$/i.test(device)) return { kind: 'vxi11', board, host, device };
    throw new ResourceStringError(address, `has an invalid device name "${device}"`);
  }
  throw new ResourceStringError(address, `ends in "${parts[parts.length - 1]}", expected SOCKET or INSTR`);
}

/** A short human description of where a resource points, for error messages. */
export function describeResource(resource: VisaResource): string {
  switch (resource.kind) {
    case 'socket':
      return `raw socket ${resource.host}:${resource.port}`;
    case 'vxi11':
      return `VXI-11 ${resource.host} ${resource.device}`;
    case 'hislip':
      return `HiSLIP ${resource.host}:${resource.port} ${resource.device}`;
    case 'serial':
      return `serial port ${resource.path}`;
    case 'usbtmc':
      return `USBTMC device ${resource.path}`;
  }
}
