// The built-in simulator for `sim://` and `mock://` addresses (any protocol). See sim-driver.ts
// for what it answers and model.ts for the `sim:` section of a configuration.
import type { Driver, DriverContext } from '../driver.js';
import { SimDriver } from './sim-driver.js';

export function createSimDriver(context: DriverContext): Driver {
  return new SimDriver(context);
}

export { SimDriver } from './sim-driver.js';
export { readSimModel, type SimModel, type SimOutputModel, type SimCommandModel } from './model.js';
