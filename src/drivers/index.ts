// Chooses the driver for an instrument: a plugin when one is given (or the protocol is Custom
// and not simulated), the built-in simulator for sim:// and mock:// addresses, otherwise the
// VISA driver, whose transport follows the address (TCPIP SOCKET, VXI-11, HiSLIP, serial, USBTMC).
import type { Driver, DriverContext } from './driver.js';
import { createSimDriver } from './sim/index.js';

export function isSimulatedAddress(address: string): boolean {
  return /^(sim|mock):\/\//i.test(address);
}

// The VISA transports and the plugin loaders (koffi) are imported only when chosen: a
// simulated instrument's worker starts faster without them.
async function createPluginDriver(context: DriverContext): Promise<Driver> {
  return (await import('./plugin/index.js')).createPluginDriver(context);
}

async function createVisaDriver(context: DriverContext): Promise<Driver> {
  return (await import('./visa/index.js')).createVisaDriver(context);
}

export async function selectDriver(context: DriverContext): Promise<Driver> {
  if (context.pluginPath) return createPluginDriver(context);
  if (isSimulatedAddress(context.config.connection.address)) return createSimDriver(context);
  if (context.api.protocol.type.toUpperCase() === 'CUSTOM' || context.config.connection.type.toUpperCase() === 'CUSTOM') {
    return createPluginDriver(context);
  }
  return createVisaDriver(context);
}

export type { Driver, DriverContext, DriverCommand, DriverReply, DriverFactory } from './driver.js';
