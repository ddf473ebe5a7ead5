// The RPC commands of SPEC part 2 and spec/JOB_SCHEDULING.md, each a thin call into the
// server. Params arrive already checked against the schemas in rpc/command-params.ts; answers
// use the seed's field names (job_id, status, created_at, jobs, result, ...).
import { ConfigError, ParameterError, validateApiFile, validateConfigFile } from '../config/index.js';
import { InstrumentExistsError, InstrumentStartError, UnknownInstrumentError } from '../instruments/errors.js';
import { RpcError, type RpcHandlers } from '../rpc/index.js';
import { jobCommands } from '../rpc/job-commands.js';
import type { InstrumentServer } from './instrument-server.js';
import { runOneCommand } from './one-command.js';
import { toNumberArray } from '../results/buffer-store.js';
import type { NumericArray } from '../drivers/driver.js';
import { discoverPlugins, listPlugins } from '../drivers/plugin/discovery.js';

/** Commands this server adds to those of rpc/command-params.ts (**beyond** the seed), with their params schemas. */
export const EXTRA_PARAM_SCHEMAS: Record<string, object> = {
  // Long poll: answers when the job has finished or after timeout_ms (default 30 s), whichever is first.
  job_wait: {
    type: 'object',
    required: ['job_id'],
    properties: { job_id: { type: 'string', minLength: 1 }, timeout_ms: { type: 'integer', minimum: 0, maximum: 600000 } },
  },
  // A stored array (waveform) by id: JSON numbers, or base64 of the raw little-endian elements.
  buffer_get: {
    type: 'object',
    required: ['buffer_id'],
    properties: {
      buffer_id: { type: 'string', minLength: 1 },
      offset: { type: 'integer', minimum: 0 },
      count: { type: 'integer', minimum: 0 },
      encoding: { enum: ['json', 'base64'] },
    },
  },
};

const FINISHED = new Set(['completed', 'failed', 'canceled']);

/** HTTP status of the domain errors a command may throw (the job queue's errors carry their own). */
function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof UnknownInstrumentError) return 404;
  if (error instanceof InstrumentExistsError) return 409;
  if (error instanceof ConfigError || error instanceof ParameterError) return 400;
  if (error instanceof InstrumentStartError) return 502;
  return undefined;
}

/** Wraps every handler so domain errors are answered with a fitting HTTP status. */
function withStatuses(handlers: RpcHandlers): RpcHandlers {
  const wrapped: RpcHandlers = {};
  for (const [command, handler] of Object.entries(handlers)) {
    wrapped[command] = async (params, context) => {
      try {
        return await handler(params, context);
      } catch (error) {
        const status = httpStatusOf(error);
        throw status === undefined ? error : new RpcError((error as Error).message, status);
      }
    };
  }
  return wrapped;
}

export function buildRpcHandlers(server: InstrumentServer): RpcHandlers {
  return withStatuses(commandHandlers(server));
}

function commandHandlers(server: InstrumentServer): RpcHandlers {
  const file = (path: string, what: string): string => {
    try {
      return server.resolveExistingFile(path, what);
    } catch (error) {
      throw new RpcError((error as Error).message, 400);
    }
  };
  return {
    daemon: async (params) => {
      if (params.action === 'stop') {
        if (!server.requestStop()) throw new RpcError('this server is embedded in another program and cannot be stopped over RPC', 400);
        return { stopping: true, pid: process.pid };
      }
      return { running: true, pid: process.pid, uptime_s: Math.round(process.uptime()), instruments: server.listInstruments(), rpc: server.rpc?.url };
    },
    start: async (params) => {
      const status = await server.startInstrument(file(params.config_path, 'instrument configuration'), {
        pluginPath: params.plugin_path === undefined ? undefined : file(params.plugin_path, 'plugin'),
      });
      return { name: status.name, status };
    },
    stop: async (params) => {
      await server.stopInstrument(params.name);
      return { name: params.name, stopped: true };
    },
    // status and list answer at once, never behind measure jobs (the fast track of the seed).
    status: async (params) => server.instrumentStatus(params.name),
    list: async () => ({ instruments: server.listInstruments() }),
    ...jobCommands(server.queue),
    job_wait: async (params: { job_id: string; timeout_ms?: number }, context) => {
      const info = server.jobStatus(params.job_id);
      if (FINISHED.has(info.status)) return { ...info, finished: true };
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), params.timeout_ms ?? 30_000);
        context.signal.addEventListener('abort', () => resolve('timeout'), { once: true });
      });
      const outcome = await Promise.race([server.waitForJob(params.job_id), timedOut]);
      clearTimeout(timer);
      const now = outcome === 'timeout' ? server.jobStatus(params.job_id) : outcome;
      return { ...now, finished: FINISHED.has(now.status) };
    },
    buffer_get: async (params: { buffer_id: string; offset?: number; count?: number; encoding?: 'json' | 'base64' }) => {
      const buffer = server.buffers.get(params.buffer_id);
      if (!buffer) throw new RpcError(`no buffer with id ${params.buffer_id}`, 404);
      const offset = Math.min(params.offset ?? 0, buffer.elementCount);
      const end = Math.min(buffer.elementCount, offset + (params.count ?? buffer.elementCount));
      const slice = buffer.data.slice(offset, end) as NumericArray;
      const answer = { buffer_id: buffer.id, job_id: buffer.jobId, data_type: buffer.dataType, element_count: buffer.elementCount, offset, count: end - offset };
      if (params.encoding === 'base64') {
        const bytes = ArrayBuffer.isView(slice) ? Buffer.from(slice.buffer, slice.byteOffset, slice.byteLength) : Buffer.from(new Float64Array(slice).buffer);
        return { ...answer, data_base64: bytes.toString('base64') };
      }
      return { ...answer, values: toNumberArray(slice) };
    },
    test: async (params) => {
      const outcome = await runOneCommand(file(params.config_path, 'instrument configuration'), params.verb, params.params ?? {}, { cwd: server.cwd });
      if (!outcome.ok) throw new RpcError(outcome.error, 422, { result: outcome });
      return { result: outcome.value };
    },
    plugins: async () => ({ plugins: await listPlugins() }),
    discover: async (params) => ({ plugins: await discoverPlugins(params.paths ?? []) }),
    validate: async (params) => {
      const path = file(params.path, params.kind === 'api' ? 'API definition' : 'instrument configuration');
      const problems = params.kind === 'api' ? validateApiFile(path) : validateConfigFile(path, { cwd: server.cwd });
      return { valid: problems.length === 0, problems };
    },
  };
}
