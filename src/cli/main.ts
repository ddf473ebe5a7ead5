#!/usr/bin/env node
// The `instrument-server` command. Each command group lives in cli/commands/<name>.ts and
// registers itself here; failures print the reason on stderr and exit 1 (SPEC part 3).
import { Command } from 'commander';
import { CliError } from './cli-error.js';
import { registerValidate } from './commands/validate.js';
import { registerPlugins } from './commands/plugins.js';
import { registerTest } from './commands/test.js';
import { registerDaemon } from './commands/daemon.js';
import { registerInstruments } from './commands/instruments.js';
import { registerJobs } from './commands/jobs.js';
import { registerBuffer } from './commands/buffer.js';

const program = new Command('instrument-server')
  .description('Run Lua measurement scripts against laboratory instruments')
  .option('--log-level <level>', 'log level: trace, debug, info, warn, error (daemon default: info)')
  .option('--port <port>', 'daemon RPC port (default $INSTRUMENT_SCRIPT_SERVER_RPC_PORT or 8555)')
  .option('--host <address>', 'daemon RPC address (default 127.0.0.1; others need --token)')
  .option('--token <token>', 'access token (default $INSTRUMENT_SCRIPT_SERVER_TOKEN)')
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) });

const registrations: Array<(program: Command) => void> = [
  // command registrations: one line per command module
  registerValidate,
  registerPlugins,
  registerTest,
  registerDaemon,
  registerInstruments,
  registerJobs,
  registerBuffer,
];
for (const register of registrations) register(program);

program.exitOverride();
try {
  await program.parseAsync(process.argv);
} catch (error) {
  const code = (error as { code?: string }).code;
  if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') process.exit(0);
  if (code?.startsWith('commander.')) process.exit(1);
  process.stderr.write(`error: ${error instanceof CliError || error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
