// Builds the DriverContext and DriverCommands the VISA tests and the bench hand to the driver,
// so they read like a configuration: an address, connection options, commands with return types.
import type { ApiDefinition, ArrayDataType, CommandSpec, ReturnType } from '../../../config/types.js';
import type { Driver, DriverCommand, DriverContext } from '../../driver.js';
import { createVisaDriver } from '../index.js';

export function visaContext(address: string, options: Record<string, unknown> = {}, timeoutMs = 2000, baudrate?: number): DriverContext {
  const api: ApiDefinition = {
    apiVersion: '1.0',
    instrument: { vendor: 'ACME', model: 'SIM-488', identifier: 'sim' },
    protocol: { type: 'VISA' },
    io: [],
    channelGroups: [],
    commands: {},
    sourcePath: '/dev/null',
  };
  return {
    instrument: 'DMM1',
    api,
    config: {
      name: 'DMM1',
      apiPath: '/dev/null',
      configPath: '',
      connection: { type: 'VISA', address, timeoutMs, baudrate, options, custom: {} },
      startup: { initCommands: [], delayMs: 0 },
      ioConfig: {},
    },
    log: () => undefined,
  };
}

let nextId = 1;

/** A command as the worker would pass it: `text` is the rendered template. */
export function visaCommand(
  verb: string,
  text: string,
  returns: ReturnType,
  options: { arrayDataType?: ArrayDataType; blockDataType?: ArrayDataType; timeoutMs?: number } = {},
): DriverCommand {
  const query = text.trim().endsWith('?');
  const spec: CommandSpec = { verb, template: text, parameters: [], outputs: [], returns, query, arrayDataType: options.arrayDataType };
  if (options.blockDataType) spec.blockDataType = options.blockDataType;
  return { id: nextId++, verb, spec, params: {}, text, expectsResponse: query, timeoutMs: options.timeoutMs ?? 2000 };
}

/** Connects a VISA driver to a running simulator, runs `fn`, then closes both (whatever happens). */
export async function withConnectedDriver<S extends { stop(): Promise<void> }>(
  sim: S,
  address: string,
  options: Record<string, unknown>,
  fn: (driver: Driver, sim: S) => Promise<void>,
): Promise<void> {
  try {
    const driver = await createVisaDriver(visaContext(address, options));
    try {
      await driver.connect();
      await fn(driver, sim);
    } finally {
      await driver.close();
    }
  } finally {
    await sim.stop();
  }
}
