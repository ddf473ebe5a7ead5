// Placeholder until plugin loading lands (issue 5); replaced by the plugin driver.
import type { Driver, DriverContext } from '../driver.js';
export async function createPluginDriver(context: DriverContext): Promise<Driver> {
  throw new Error(`Instrument ${context.instrument}: plugins are not supported yet`);
}
