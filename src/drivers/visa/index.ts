// The built-in VISA driver: the connection address picks the transport (raw SCPI socket,
// VXI-11, HiSLIP, serial, USBTMC); visa-driver.ts does termination, timeouts and reply parsing.
import type { Driver, DriverContext } from '../driver.js';
import { HislipTransport } from './hislip.js';
import { parseResourceString, ResourceStringError } from './resource-string.js';
import { ScpiSocketTransport } from './scpi-socket.js';
import { SerialTransport, serialSettings } from './serial.js';
import type { Transport } from './transport.js';
import { UsbtmcTransport } from './usbtmc.js';
import { VisaDriver, visaOptions, type VisaOptions } from './visa-driver.js';
import { Vxi11Transport } from './vxi11.js';

export function createTransport(context: DriverContext, options: VisaOptions): Transport {
  const { address, baudrate, options: extra, custom } = context.config.connection;
  let resource;
  try {
    resource = parseResourceString(address);
  } catch (error) {
    if (error instanceof ResourceStringError) throw new Error(`Instrument ${context.instrument}: ${error.message}`);
    throw error;
  }
  switch (resource.kind) {
    case 'socket':
      return new ScpiSocketTransport(resource.host, resource.port, options.readTermination);
    case 'vxi11': {
      const portmapperPort = Number(extra['portmapper_port'] ?? custom['portmapper_port'] ?? 111);
      const corePort = extra['vxi11_port'] ?? custom['vxi11_port'];
      return new Vxi11Transport({ host: resource.host, device: resource.device, portmapperPort, corePort: corePort === undefined ? undefined : Number(corePort) });
    }
    case 'hislip':
      return new HislipTransport(resource.host, resource.port, resource.device);
    case 'serial':
      try {
        return new SerialTransport(serialSettings(resource.path, baudrate, { ...custom, ...extra }), options.readTermination);
      } catch (error) {
        throw new Error(`Instrument ${context.instrument}: ${(error as Error).message}`);
      }
    case 'usbtmc':
      return new UsbtmcTransport(resource.path, options.readTermination);
  }
}

export async function createVisaDriver(context: DriverContext): Promise<Driver> {
  const options = visaOptions(context);
  return new VisaDriver(context, createTransport(context, options), options);
}

export { VisaDriver, visaOptions, terminationBytes } from './visa-driver.js';
export { parseResourceString, describeResource, ResourceStringError, type VisaResource } from './resource-string.js';
export { parseReply, ReplyParseError } from './reply-parser.js';
export { decodeBlock, encodeBlock, blockPayload } from './binary-block.js';
export type { Transport } from './transport.js';
