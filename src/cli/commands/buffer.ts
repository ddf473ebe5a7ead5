// `instrument-server buffer <id>`: a stored array (a waveform a job recorded as a buffer).
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { withDaemon } from '../daemon-connection.js';

type Format = 'lines' | 'json' | 'raw';

export function registerBuffer(program: Command): void {
  program
    .command('buffer <buffer_id>')
    .description('a stored array (e.g. a waveform) by the id in a job result: one value per line, JSON, or raw little-endian bytes')
    .option('--format <format>', 'lines (default), json, or raw (the elements as stored, little-endian)', 'lines')
    .option('--out <file>', 'write to a file instead of standard output')
    .action(async (bufferId: string, options: { format: string; out?: string }, command: Command) => {
      if (!['lines', 'json', 'raw'].includes(options.format)) throw new CliError(`--format must be lines, json or raw, not ${JSON.stringify(options.format)}`);
      const format = options.format as Format;
      if (format === 'raw' && !options.out) throw new CliError('--format raw needs --out <file> (binary data is not written to a terminal)');
      const answer = await withDaemon(command, (client) =>
        client.call('buffer_get', { buffer_id: bufferId, ...(format === 'raw' && { encoding: 'base64' }) }),
      );
      let output: string | Buffer;
      if (format === 'raw') output = Buffer.from(String(answer.data_base64), 'base64');
      else if (format === 'json') output = `${JSON.stringify({ buffer_id: answer.buffer_id, data_type: answer.data_type, element_count: answer.element_count, values: answer.values })}\n`;
      else output = `${(answer.values as number[]).join('\n')}\n`;
      if (options.out) {
        writeFileSync(options.out, output);
        process.stderr.write(`${String(answer.element_count)} × ${String(answer.data_type)} written to ${options.out}\n`);
      } else {
        process.stdout.write(output);
      }
    });
}
