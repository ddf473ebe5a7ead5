// Placeholder until the VISA transports land (issue 5); replaced by the VISA driver.
import type { Driver, DriverContext } from '../driver.js';
export async function createVisaDriver(context: DriverContext): Promise<Driver> {
  throw new Error(`Instrument ${context.instrument}: VISA address ${context.config.connection.address} is not supported yet`);
}
