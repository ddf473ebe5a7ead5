// `instrument-server start|stop|status|list`: instruments of the running daemon.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { withDaemon } from '../daemon-connection.js';

export function registerInstruments(program: Command): void {
  program
    .command('start <config>')
    .description('start an instrument from its configuration file in the daemon')
    .option('--plugin <path>', 'driver plugin (.js module or .so library) for a Custom protocol')
    .action(async (config: string, options: { plugin?: string }, command: Command) => {
      const params = { config_path: resolve(config), ...(options.plugin && { plugin_path: resolve(options.plugin) }) };
      const answer = await withDaemon(command, (client) => client.call('start', params));
      process.stdout.write(`started ${String(answer.name)}\n`);
    });

  program
    .command('stop <name>')
    .description('stop a running instrument')
    .action(async (name: string, _options: unknown, command: Command) => {
      await withDaemon(command, (client) => client.call('stop', { name }));
      process.stdout.write(`stopped ${name}\n`);
    });

  program
    .command('status <name>')
    .description("an instrument's state and command counters")
    .action(async (name: string, _options: unknown, command: Command) => {
      const { ok: _ok, ...status } = await withDaemon(command, (client) => client.call('status', { name }));
      process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    });

  program
    .command('list')
    .description('the running instruments')
    .action(async (_options: unknown, command: Command) => {
      const answer = await withDaemon(command, (client) => client.call('list', {}));
      const names = answer.instruments as string[];
      process.stdout.write(names.length === 0 ? 'no instruments running\n' : `${names.join('\n')}\n`);
    });
}
