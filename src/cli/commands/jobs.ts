// `instrument-server measure` (blocking, interactive mode) and `instrument-server jobs ...`
// (**beyond**: the shell can use the queue: submit, status, result, list, cancel, wait).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { RpcCommandError, type RpcClient } from '../../rpc/index.js';
import { CliError } from '../cli-error.js';
import { withDaemon } from '../daemon-connection.js';
import { formatResult, type PrintableResult } from '../result-format.js';

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

interface SubmitOptions {
  mode?: Mode | undefined;
  name?: string | undefined;
  tag?: string[] | undefined;
}

async function submit(client: RpcClient, script: string, options: SubmitOptions): Promise<string> {
  const params = {
    script_path: resolve(script),
    ...(options.mode && { mode: options.mode }),
    ...(options.name && { name: options.name }),
    ...(options.tag && { tags: options.tag }),
  };
  const answer = await client.call('submit_measure', params);
  return String(answer.job_id);
}

/** Prints a job's results (the results so far with `partial`) as text or JSON. */
async function printResult(client: RpcClient, jobId: string, json: boolean, partial = false): Promise<PrintableResult | undefined> {
  const answer = await client.call('job_result', { job_id: jobId, ...(partial && { partial: true }) });
  const result = (answer.result ?? undefined) as PrintableResult | undefined;
  if (json || result?.results === undefined) {
    process.stdout.write(`${JSON.stringify({ job_id: jobId, status: answer.status, ...(answer.partial === true && { partial: true }), result: result ?? null }, null, 2)}\n`);
  } else {
    process.stdout.write(`${formatResult(result)}\n`);
  }
  return result;
}

/** Why a finished measure job counts as a failure (exit code 1), or undefined when it succeeded. */
function failureOf(jobId: string, info: JobInfoAnswer, result: PrintableResult | undefined): string | undefined {
  if (info.status === 'canceled') return `job ${jobId} was canceled${info.error ? `: ${info.error}` : ''}`;
  if (info.status !== 'completed') return `job ${jobId} ${info.status}${info.error ? `: ${info.error}` : ''}`;
  if (result?.status === 'error') return `job ${jobId} ended with an error: ${result.error ?? 'a command failed'}`;
  const failed = result?.results?.filter((r) => r.error !== undefined).length ?? 0;
  if (failed > 0) return `${failed} of ${result!.results.length} commands failed in job ${jobId}`;
  return undefined;
}

/**
 * Ctrl-C while the CLI waits for a job. The first SIGINT/SIGTERM resolves `first` (the caller
 * cancels the job so it does not go on driving the instruments, and prints what it got); a
 * second one exits at once.
 */
function catchInterrupts(): { first: Promise<NodeJS.Signals>; release(): void } {
  let signaled: NodeJS.Signals | undefined;
  let resolveFirst!: (signal: NodeJS.Signals) => void;
  const first = new Promise<NodeJS.Signals>((resolveSignal) => (resolveFirst = resolveSignal));
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signaled === undefined) {
      signaled = signal;
      resolveFirst(signal);
      return;
    }
    process.stderr.write(`error: ${signal} again: exiting without waiting for the job to be canceled\n`);
    process.exit(1);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    first,
    release() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/**
 * Submits a script, waits for its job and prints the results; exit code 1 when the job did not
 * complete or a command in it failed. Ctrl-C cancels the job and prints the results so far.
 */
async function submitAndWait(client: RpcClient, script: string, options: SubmitOptions, json: boolean): Promise<void> {
  // Listening before the submit: a Ctrl-C while it is under way must cancel the job it creates.
  const interrupts = catchInterrupts();
  try {
    const jobId = await submit(client, script, options);
    const waiting = waitForJob(client, jobId);
    waiting.catch(() => undefined); // awaited below; this only keeps a failure while canceling from going unhandled
    const first = await Promise.race([waiting, interrupts.first]);
    let interrupted: NodeJS.Signals | undefined;
    if (typeof first === 'string') {
      interrupted = first;
      process.stderr.write(`${first}: canceling job ${jobId} (interrupt again to exit at once)\n`);
      try {
        await client.call('job_cancel', { job_id: jobId });
      } catch (err) {
        // It finished on its own meanwhile ("already completed"): report it as it ended.
        if (!(err instanceof RpcCommandError)) throw err;
      }
    }
    const info = await waiting;
    const result = await printResult(client, jobId, json, interrupted !== undefined);
    const failure = failureOf(jobId, info, result);
    if (failure === undefined) return;
    const cause = interrupted !== undefined && info.status === 'canceled' ? `job ${jobId} was canceled (${interrupted}); the results above are those gathered so far` : failure;
    process.stderr.write(`error: ${cause}\n`);
    process.exitCode = 1;
  } finally {
    interrupts.release();
  }
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
      const mode = checkMode(options.mode);
      await withDaemon(command, (client) => submitAndWait(client, script, { mode }, options.json ?? false));
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
        const submitOptions = { ...options, mode: checkMode(options.mode) };
        if (options.wait) return submitAndWait(client, script, submitOptions, options.json ?? false);
        process.stdout.write(`${await submit(client, script, submitOptions)}\n`);
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
        const result = answer.result as PrintableResult | null;
        if (options.json || result?.results === undefined) process.stdout.write(`${JSON.stringify({ job_id: jobId, status: answer.status, partial: answer.partial, result }, null, 2)}\n`);
        else process.stdout.write(`${formatResult(result)}\n`);
        if (answer.status === 'failed' || answer.status === 'canceled') {
          process.stderr.write(`error: job ${jobId} ${answer.status === 'canceled' ? 'was canceled' : 'failed'}${result?.error ? `: ${result.error}` : ''}\n`);
          process.exitCode = 1;
        }
      });
    });

  jobs
    .command('list')
    .description('jobs, oldest first (all of them unless filtered)')
    .option('--status <status...>', 'only jobs in these states (queued, running, completed, failed, canceling, canceled)')
    .option('--type <type>', 'only jobs of this type (measure, sleep, …)')
    .option('--limit <n>', 'only the most recent n jobs')
    .action(async (options: { status?: string[]; type?: string; limit?: string }, command: Command) => {
      const limit = options.limit === undefined ? undefined : Number(options.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new CliError(`--limit must be a whole number ≥ 1, not ${JSON.stringify(options.limit)}`);
      const params = { ...(options.status && { status: options.status }), ...(options.type && { type: options.type }), ...(limit !== undefined && { limit }) };
      const answer = await withDaemon(command, (client) => client.call('job_list', params));
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
