// `instrument-server measure` (blocking, interactive mode) and `instrument-server jobs ...`
// (**beyond**: the shell can use the queue: submit, status, result, list, cancel, wait).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { RpcClient } from '../../rpc/index.js';
import type { JobResult } from '../../results/types.js';
import { CliError } from '../cli-error.js';
import { withDaemon } from '../daemon-connection.js';
import { formatResult } from '../result-format.js';

type Mode = 'staged' | 'interactive';

interface JobInfoAnswer {
  job_id: string;
  status: string;
  error?: string;
  finished?: boolean;
}

/** Waits (long-polling `job_wait`) until the job has finished. */
async function waitForJob(client: RpcClient, jobId: string): Promise<JobInfoAnswer> {
  for (;;) {
    const info = (await client.call('job_wait', { job_id: jobId, timeout_ms: 30_000 })) as unknown as JobInfoAnswer;
    if (info.finished) return info;
  }
}

async function submit(client: RpcClient, script: string, options: { mode?: Mode; name?: string; tag?: string[] }): Promise<string> {
  const params = {
    script_path: resolve(script),
    ...(options.mode && { mode: options.mode }),
    ...(options.name && { name: options.name }),
    ...(options.tag && { tags: options.tag }),
  };
  const answer = await client.call('submit_measure', params);
  return String(answer.job_id);
}

async function printResult(client: RpcClient, jobId: string, json: boolean): Promise<JobResult> {
  const answer = await client.call('job_result', { job_id: jobId });
  const result = answer.result as JobResult;
  process.stdout.write(json ? `${JSON.stringify({ job_id: jobId, status: answer.status, result }, null, 2)}\n` : `${formatResult(result)}\n`);
  return result;
}

function checkMode(mode: string | undefined): Mode | undefined {
  if (mode === undefined || mode === 'staged' || mode === 'interactive') return mode;
  throw new CliError(`--mode must be staged or interactive, not ${JSON.stringify(mode)}`);
}

export function registerJobs(program: Command): void {
  program
    .command('measure <script>')
    .description('run a Lua measurement script in the daemon and print its results (waits for it)')
    .option('--json', 'print the full result record as JSON')
    .option('--mode <mode>', 'staged or interactive', 'interactive')
    .action(async (script: string, options: { json?: boolean; mode?: string }, command: Command) => {
      await withDaemon(command, async (client) => {
        const jobId = await submit(client, script, { mode: checkMode(options.mode) });
        const info = await waitForJob(client, jobId);
        if (info.status === 'canceled') throw new CliError(`job ${jobId} was canceled`);
        const result = await printResult(client, jobId, options.json ?? false);
        if (info.status !== 'completed' || result.status !== 'success') process.exitCode = 1;
      });
    });

  const jobs = program.command('jobs').description('the job queue: submit, status, result, list, cancel, wait');

  jobs
    .command('submit <script>')
    .description('queue a measurement script; prints the job id at once (or the results with --wait)')
    .option('--mode <mode>', 'staged (default) or interactive')
    .option('--name <name>', 'a name for the job')
    .option('--tag <tag...>', 'tags for the job')
    .option('--wait', 'wait for the job and print its results')
    .option('--json', 'with --wait: print the result record as JSON')
    .action(async (script: string, options: { mode?: string; name?: string; tag?: string[]; wait?: boolean; json?: boolean }, command: Command) => {
      await withDaemon(command, async (client) => {
        const jobId = await submit(client, script, { ...options, mode: checkMode(options.mode) });
        if (!options.wait) {
          process.stdout.write(`${jobId}\n`);
          return;
        }
        const info = await waitForJob(client, jobId);
        if (info.status === 'canceled') throw new CliError(`job ${jobId} was canceled`);
        const result = await printResult(client, jobId, options.json ?? false);
        if (info.status !== 'completed' || result.status !== 'success') process.exitCode = 1;
      });
    });

  jobs
    .command('status <job_id>')
    .description("a job's state and timestamps")
    .action(async (jobId: string, _options: unknown, command: Command) => {
      const { ok: _ok, ...info } = await withDaemon(command, (client) => client.call('job_status', { job_id: jobId }));
      process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
    });

  jobs
    .command('result <job_id>')
    .description("a finished job's results (--partial: the results so far)")
    .option('--json', 'print the result record as JSON')
    .option('--partial', 'the results gathered so far, before the job finished')
    .action(async (jobId: string, options: { json?: boolean; partial?: boolean }, command: Command) => {
      await withDaemon(command, async (client) => {
        const answer = await client.call('job_result', { job_id: jobId, ...(options.partial && { partial: true }) });
        const result = answer.result as JobResult;
        if (options.json || result?.results === undefined) process.stdout.write(`${JSON.stringify({ job_id: jobId, status: answer.status, partial: answer.partial, result }, null, 2)}\n`);
        else process.stdout.write(`${formatResult({ ...result, status: result.status ?? 'success' })}\n`);
      });
    });

  jobs
    .command('list')
    .description('all jobs, oldest first')
    .action(async (_options: unknown, command: Command) => {
      const answer = await withDaemon(command, (client) => client.call('job_list', {}));
      const list = answer.jobs as Array<{ job_id: string; type: string; status: string; created_at: number; name?: string; error?: string }>;
      for (const job of list) {
        const created = new Date(job.created_at).toISOString();
        process.stdout.write(`${job.job_id}  ${job.type.padEnd(7)}  ${job.status.padEnd(9)}  ${created}${job.name ? `  ${job.name}` : ''}${job.error ? `  (${job.error})` : ''}\n`);
      }
      if (list.length === 0) process.stdout.write('no jobs\n');
    });

  jobs
    .command('cancel <job_id>')
    .description('cancel a queued or running job')
    .action(async (jobId: string, _options: unknown, command: Command) => {
      const answer = await withDaemon(command, (client) => client.call('job_cancel', { job_id: jobId }));
      process.stdout.write(`${jobId} ${String(answer.status)}\n`);
    });

  jobs
    .command('wait <job_id>')
    .description('wait until a job has finished; exit 0 when it completed, 1 otherwise')
    .action(async (jobId: string, _options: unknown, command: Command) => {
      const info = await withDaemon(command, (client) => waitForJob(client, jobId));
      process.stdout.write(`${jobId} ${info.status}${info.error ? `: ${info.error}` : ''}\n`);
      if (info.status !== 'completed') process.exitCode = 1;
    });
}
