// `instrument-server test <config> <verb> [key=value ...]`: starts that one instrument in its own
// worker process (no daemon), runs one command, prints the typed result or the error, stops it.
import type { Command } from 'commander';
import { bindCliArguments, loadInstrument } from '../../config/index.js';
import { Instrument, type InstrumentOptions } from '../../instruments/instrument.js';
import { formatCommandValue } from '../../instruments/command-value.js';
import { CliError } from '../cli-error.js';

interface TestOptions {
  channel?: string;
  plugin?: string;
  timeout?: string;
  cwd?: string;
}

function positiveInteger(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim()) || Number(text) <= 0) throw new CliError(`${what} must be a positive integer, got "${text}"`);
  return Number(text);
}

export function registerTest(program: Command): void {
  program
    .command('test')
    .description('start one instrument in its own worker, run one command, print the result and stop it (no daemon needed)')
    .argument('<config>', 'instrument configuration file')
    .argument('<verb>', 'command of the instrument API, e.g. MEASURE_VOLTAGE (or VERB on channel N with --channel N)')
    .argument('[params...]', 'parameters as key=value (bare values bind in declared order; a bare parameter name is refused)')
    .option('--channel <n>', 'channel of a channel-group command (like INST:N.VERB in a script)')
    .option('--plugin <path>', 'driver plugin to use')
    .option('--timeout <ms>', 'command timeout in ms (default: the command\'s, then the connection\'s, then 5000)')
    .option('--cwd <dir>', 'second folder to look up a relative api_ref in (default: the working directory)')
    .action(async (configPath: string, verb: string, params: string[], options: TestOptions, command: Command) => {
      const channel = positiveInteger(options.channel, '--channel');
      const timeoutMs = positiveInteger(options.timeout, '--timeout');
      const loaded = loadInstrument(configPath, options.cwd ? { cwd: options.cwd } : {});
      const bound = bindCliArguments(loaded, verb, params, channel);

      const instrumentOptions: InstrumentOptions = { restart: { enabled: false }, graceMs: 1000 };
      if (options.plugin !== undefined) instrumentOptions.pluginPath = options.plugin;
      const logLevel = command.optsWithGlobals<{ logLevel?: string }>().logLevel;
      if (logLevel !== undefined) instrumentOptions.logLevel = logLevel;
      const instrument = await Instrument.start(loaded, instrumentOptions);
      try {
        const call: Parameters<Instrument['execute']>[0] = { verb: bound.verb, params: bound.params };
        if (bound.channel !== undefined) call.channel = bound.channel;
        if (timeoutMs !== undefined) call.timeoutMs = timeoutMs;
        const outcome = await instrument.execute(call);
        if (!outcome.ok) throw new CliError(outcome.error ?? `Instrument ${loaded.config.name}: command ${verb} failed`);
        process.stdout.write(`${formatCommandValue(outcome.value)}\n`);
      } finally {
        await instrument.stop();
      }
    });
}
