// `instrument-server validate config <file>` and `validate api <file>`: check a file without
// starting anything. Prints `✓ <file> is valid`, or one line per problem on stderr and exits 1.
import type { Command } from 'commander';
import { validateApiFile, validateConfigFile } from '../../config/index.js';

export function registerValidate(program: Command): void {
  const validate = program.command('validate').description('check an instrument configuration or API definition file');
  validate
    .command('config <file>')
    .description('check an instrument configuration, the API definition it references and its io_config')
    .option('--cwd <dir>', 'second folder to look up a relative api_ref in (default: the working directory)')
    .action((file: string, options: { cwd?: string }) => report(file, validateConfigFile(file, options.cwd ? { cwd: options.cwd } : {})));
  validate
    .command('api <file>')
    .description('check an instrument API definition')
    .action((file: string) => report(file, validateApiFile(file)));
}

function report(file: string, problems: string[]): void {
  if (problems.length === 0) {
    process.stdout.write(`✓ ${file} is valid\n`);
    return;
  }
  process.stderr.write(problems.map((problem) => `${file}: ${problem}\n`).join(''));
  process.exitCode = 1;
}
