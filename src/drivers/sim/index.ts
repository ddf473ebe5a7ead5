// Placeholder until the simulator lands (issue 2); replaced by the simulator driver.
import type { Driver, DriverContext } from '../driver.js';
export function createSimDriver(context: DriverContext): Driver {
  throw new Error(`Instrument ${context.instrument}: the simulator driver is not built yet`);
}
