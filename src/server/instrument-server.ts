// The whole server, built from its parts (SPEC part 4, the embedding API): the instrument
// registry and their worker processes, the scheduler, the Lua script runner, the job store and
// queue, and optionally the HTTP RPC endpoint. The daemon is this class in its own process;
// a host application can start it in-process instead:
//
//   const server = await InstrumentServer.start({ rpcPort: 8555 });
//   await server.startInstrument('examples/lab/configs/dac1.yaml');
//   const id = await server.submitMeasure('sweep.lua');
//   const result = await server.waitForResult(id);
//   await server.stop();
import { EventEmitter } from 'node:events';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { loadInstrument } from '../config/index.js';
import type { LoadedInstrument } from '../config/types.js';
import { InstrumentRegistry } from '../instruments/registry.js';
import type { InstrumentOptions, InstrumentStatus } from '../instruments/instrument.js';
import { JobQueue, JobSubmitError, type MeasureRequest } from '../jobs/index.js';
import type { Job, JobInfo, JobProgress, JobResultResponse, MeasureExecution } from '../jobs/job.js';
import type { BufferStore } from '../results/buffer-store.js';
import type { CommandRecord, JobResult } from '../results/types.js';
import { RpcServer, type RpcAddress } from '../rpc/index.js';
import { Scheduler } from '../scheduler/index.js';
import { ScriptRunner } from '../script/index.js';
import { JobStore } from '../store/job-store.js';
import { MeasureRun } from './measure-run.js';
import { StoredBufferStore } from './stored-buffers.js';
import { ensureFolder } from './folders.js';
import { buildRpcHandlers, EXTRA_PARAM_SCHEMAS } from './rpc-commands.js';

export interface RpcListenOptions {
  /** Default 8555; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1; anything but loopback needs `token`. */
  host?: string;
  token?: string;
  bodyLimitBytes?: number;
}

export interface InstrumentServerOptions {
  /** Folder of the SQLite job store; without it jobs live in memory only. */
  dataDir?: string;
  /** Serve HTTP RPC (default: not for an embedded server; the daemon always does). */
  rpc?: RpcListenOptions | false;
  /** Shorthand for `rpc: { port }`. */
  rpcPort?: number;
  /** Folder for instrument_server.log and worker_<NAME>.log; without it nothing is written. */
  logDir?: string;
  logLevel?: string;
  /** Relative paths in requests resolve against this folder (default: the working directory). */
  cwd?: string;
  /** Folders `require` searches after the script's own. */
  libraryPaths?: string[];
  /** Default wall-time limit of a script (ms, 0 = none). */
  scriptTimeLimitMs?: number;
  /** Default Lua memory cap of a script (bytes). */
  scriptMemoryLimitBytes?: number;
  /** Lua threads kept warm. */
  scriptPoolSize?: number;
  /** Passed to every instrument (restart policy, heartbeats, grace periods). */
  instrumentOptions?: Omit<InstrumentOptions, 'pluginPath' | 'logFile'>;
  /** Start the instruments that were running when this data folder's server last stopped. */
  restore?: boolean;
  /** Called when an RPC client asks the daemon to stop (`daemon` with action stop). */
  onStopRequested?: () => void;
}

export interface StartInstrumentOptions {
  pluginPath?: string;
}

/**
 * Events: `job` (JobInfo on every state change), `record` (job id, CommandRecord as each command
 * finishes), `instrument` (InstrumentStatus after a start).
 */
export class InstrumentServer extends EventEmitter {
  readonly registry = new InstrumentRegistry();
  readonly scheduler: Scheduler;
  readonly runner: ScriptRunner;
  readonly store: JobStore;
  readonly queue: JobQueue;
  readonly buffers: BufferStore;
  readonly logger: Logger;
  readonly cwd: string;
  private rpcServer?: RpcServer;
  private rpcAddress?: RpcAddress;
  private readonly loaded = new Map<string, LoadedInstrument>();
  private stopped = false;
  /** Why instruments that were to be restored did not start (one line each). */
  readonly restoreProblems: string[] = [];

  private constructor(readonly options: InstrumentServerOptions) {
    super();
    this.cwd = options.cwd ?? process.cwd();
    this.logger = createLogger(options);
    this.store = options.dataDir ? JobStore.open(ensureFolder(options.dataDir, 'data folder')) : new JobStore(':memory:');
    this.buffers = new StoredBufferStore(this.store);
    this.scheduler = new Scheduler({ target: (name) => this.registry.get(name), buffers: this.buffers });
    this.runner = new ScriptRunner({
      poolSize: options.scriptPoolSize,
      defaultTimeLimitMs: options.scriptTimeLimitMs,
      defaultMemoryLimitBytes: options.scriptMemoryLimitBytes,
      libraryPaths: options.libraryPaths,
    });
    this.queue = new JobQueue({
      store: this.store,
      paused: true,
      startMeasure: (job, progress) => this.startMeasure(job, progress),
      validate: (request) => this.checkMeasureRequest(request),
      handlers: {
        status: async (job) => this.instrumentStatus(String(job.params.name)),
        list: async () => ({ instruments: this.listInstruments() }),
      },
      logger: this.logger,
    });
    this.queue.on('job', (info) => this.emit('job', info));
  }

  /** Builds and starts a server: restores instruments if asked, starts the queue, then listens. */
  static async start(options: InstrumentServerOptions = {}): Promise<InstrumentServer> {
    const server = new InstrumentServer(options);
    try {
      // Jobs queued before a crash were written for the instruments of that time: start those
      // again before the jobs run, even without --restore.
      if (options.restore || server.queue.recovered.queued.length > 0) await server.restoreInstruments();
      server.queue.start();
      const rpc = options.rpc || (options.rpcPort !== undefined ? { port: options.rpcPort } : undefined);
      if (rpc) await server.listen(rpc);
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  /** The RPC endpoint's address, when serving. */
  get rpc(): RpcAddress | undefined {
    return this.rpcAddress;
  }

  // ---- instruments ------------------------------------------------------------------------------

  /** Loads a configuration and starts its instrument in a worker process. */
  async startInstrument(configPath: string, options: StartInstrumentOptions = {}): Promise<InstrumentStatus> {
    const path = this.resolveExistingFile(configPath, 'instrument configuration');
    const loaded = loadInstrument(path, { cwd: this.cwd });
    const pluginPath = options.pluginPath === undefined ? undefined : this.resolveExistingFile(options.pluginPath, 'plugin');
    const instrument = await this.registry.start(loaded, {
      ...this.options.instrumentOptions,
      pluginPath,
      logFile: this.options.logDir ? join(this.options.logDir, `worker_${loaded.config.name}.log`) : undefined,
      logLevel: this.options.logLevel,
    });
    this.loaded.set(loaded.config.name, loaded);
    instrument.on('crashed', (info: unknown) => this.logger.warn({ instrument: loaded.config.name, info }, 'instrument worker crashed'));
    this.store.rememberInstrument({ name: loaded.config.name, configPath: path, pluginPath });
    this.logger.info({ instrument: loaded.config.name, config: path }, 'instrument started');
    const status = instrument.status();
    this.emit('instrument', status);
    return status;
  }

  async stopInstrument(name: string): Promise<void> {
    await this.registry.stop(name);
    this.loaded.delete(name);
    this.store.forgetInstrument(name);
    this.logger.info({ instrument: name }, 'instrument stopped');
  }

  instrumentStatus(name: string): InstrumentStatus {
    return this.registry.status(name);
  }

  /** The running instruments, by name. */
  listInstruments(): string[] {
    return this.registry.list().sort();
  }

  // ---- jobs -------------------------------------------------------------------------------------

  /** Queues a measure job (a script path, or a request with `scriptPath` or inline `script`) and returns its id at once. */
  submitMeasure(request: string | MeasureRequest): Promise<string> {
    return this.queue.submitMeasure(typeof request === 'string' ? { scriptPath: request } : request);
  }

  jobStatus(id: string): JobInfo {
    return this.queue.jobStatus(id);
  }

  jobResult(id: string, options: { partial?: boolean } = {}): JobResultResponse {
    return this.queue.jobResult(id, options);
  }

  jobList(): JobInfo[] {
    return this.queue.jobList();
  }

  cancelJob(id: string): Promise<JobInfo> {
    return this.queue.cancel(id);
  }

  /** Resolves when the job has finished (completed, failed or canceled). */
  waitForJob(id: string): Promise<JobInfo> {
    return this.queue.waitFor(id);
  }

  /** Waits for a measure job and returns its result record. */
  async waitForResult(id: string): Promise<JobResult> {
    await this.queue.waitFor(id);
    return this.queue.jobResult(id).result as JobResult;
  }

  /** Submits a script, waits for it and returns its result (the CLI `measure`). */
  async runMeasure(request: string | MeasureRequest): Promise<JobResult> {
    return this.waitForResult(await this.submitMeasure(request));
  }

  /** Checks a script for syntax errors: null when it compiles, else `file:line: message`. */
  checkSyntax(source: string, name = '<inline>'): Promise<string | null> {
    return this.runner.checkSyntax(source, name);
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  async listen(rpc: RpcListenOptions): Promise<RpcAddress> {
    if (this.rpcAddress) return this.rpcAddress;
    const handlers = buildRpcHandlers(this);
    this.rpcServer = new RpcServer({
      host: rpc.host,
      port: rpc.port,
      token: rpc.token,
      bodyLimitBytes: rpc.bodyLimitBytes,
      handlers,
      logger: this.logger,
    });
    for (const [command, schema] of Object.entries(EXTRA_PARAM_SCHEMAS)) {
      this.rpcServer.register(command, handlers[command]!, schema);
    }
    this.rpcAddress = await this.rpcServer.listen();
    this.logger.info({ url: this.rpcAddress.url }, 'RPC endpoint listening');
    return this.rpcAddress;
  }

  /** Asks the owner (the daemon) to stop; used by the RPC `daemon` command. */
  requestStop(): boolean {
    if (!this.options.onStopRequested) return false;
    setImmediate(this.options.onStopRequested);
    return true;
  }

  /**
   * Graceful stop: stop answering RPC, let the queue stop (running jobs are canceled after
   * `jobGraceMs`; queued jobs stay queued in the store and run after a restart), stop the
   * instruments, the Lua threads and the store.
   */
  async stop(options: { jobGraceMs?: number } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.rpcServer?.close().catch(() => undefined);
    await this.queue.stop({ timeoutMs: options.jobGraceMs ?? 5000 }).catch((error: unknown) => this.logger.error({ err: error }, 'stopping the job queue failed'));
    // The store already remembers what runs (added on start, forgotten on stop), so that
    // `--restore` can start it again with its plugin.
    await this.registry.stopAll();
    await this.runner.close();
    this.store.close();
    this.logger.info('server stopped');
  }

  // ---- internals --------------------------------------------------------------------------------

  private startMeasure(job: Job, progress: JobProgress): MeasureExecution {
    const run = new MeasureRun({
      jobId: job.id,
      source: job.script ?? '',
      scriptName: job.scriptPath ?? '<inline>',
      scriptDir: job.scriptPath ? dirname(job.scriptPath) : this.cwd,
      mode: job.mode,
      instruments: new Map(this.loaded),
      runner: this.runner,
      scheduler: this.scheduler,
    });
    run.on('record', (record: CommandRecord) => {
      progress.record(record);
      this.emit('record', job.id, record);
    });
    run.on('log', (line) => progress.log(line));
    return run;
  }

  /** Resolves and reads the script, and refuses it at submit time when it does not compile. */
  private async checkMeasureRequest(request: MeasureRequest): Promise<MeasureRequest> {
    if ((request.scriptPath === undefined) === (request.script === undefined)) {
      throw new JobSubmitError('submit_measure needs exactly one of script_path and script');
    }
    let checked: MeasureRequest = request;
    if (request.scriptPath !== undefined) {
      let path: string;
      try {
        path = this.resolveExistingFile(request.scriptPath, 'script');
      } catch (error) {
        throw new JobSubmitError((error as Error).message);
      }
      checked = { ...request, scriptPath: path, script: readFileSync(path, 'utf8') };
    }
    const problem = await this.runner.checkSyntax(checked.script!, checked.scriptPath ?? '<inline>');
    if (problem !== null) throw new JobSubmitError(`syntax error: ${problem}`);
    return checked;
  }

  /** An absolute path to a readable regular file, or an error naming the path and the problem. */
  resolveExistingFile(path: string, what: string): string {
    const absolute = isAbsolute(path) ? path : resolve(this.cwd, path);
    let stats;
    try {
      stats = statSync(absolute);
    } catch {
      throw new Error(`${what} ${absolute} does not exist`);
    }
    if (!stats.isFile()) throw new Error(`${what} ${absolute} is not a file`);
    try {
      accessSync(absolute, constants.R_OK);
    } catch {
      throw new Error(`${what} ${absolute} is not readable`);
    }
    return absolute;
  }

  private async restoreInstruments(): Promise<void> {
    for (const saved of this.store.loadInstruments()) {
      if (this.registry.has(saved.name)) continue;
      try {
        await this.startInstrument(saved.configPath, { pluginPath: saved.pluginPath });
      } catch (error) {
        this.restoreProblems.push(`${saved.name}: ${(error as Error).message}`);
        this.logger.error({ instrument: saved.name, err: error }, 'could not restore instrument');
      }
    }
  }
}

function createLogger(options: InstrumentServerOptions): Logger {
  const level = options.logLevel ?? 'info';
  if (!options.logDir) return pino({ level: 'silent' });
  ensureFolder(options.logDir, 'log folder');
  return pino({ level }, pino.destination({ dest: join(options.logDir, 'instrument_server.log'), sync: true, mkdir: true }));
}
