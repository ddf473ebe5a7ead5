// The parameters of every RPC command (SPEC part 2, spec/JOB_SCHEDULING.md), declared once: as
// TypeScript types for the handlers and the client, and as JSON Schemas the server checks requests
// against. schemas/rpc-params.schema.json publishes the same schemas (a test keeps them equal).
import { JOB_STATUSES, type JobStatus, type ScriptMode } from '../jobs/job.js';

/** Parameters of each command, by command name. */
export interface RpcCommandParams {
  daemon: { action?: 'status' | 'stop' };
  start: { config_path: string; plugin_path?: string };
  stop: { name: string };
  status: { name: string };
  list: Record<string, never>;
  submit_measure: { script_path?: string; script?: string; mode?: ScriptMode; name?: string; tags?: string[] };
  /** **beyond**: queue a `sleep` job (a barrier), e.g. to test queue behaviour over RPC. */
  submit_sleep: { duration_ms: number; name?: string; tags?: string[] };
  job_status: { job_id: string };
  job_result: { job_id: string; partial?: boolean };
  job_list: { status?: JobStatus | JobStatus[]; type?: string; limit?: number };
  job_cancel: { job_id: string };
  test: { config_path: string; verb: string; params?: Record<string, unknown> };
  plugins: Record<string, never>;
  discover: { paths?: string[] };
  validate: { kind: 'config' | 'api'; path: string };
}

export type KnownRpcCommand = keyof RpcCommandParams;

const text = { type: 'string', minLength: 1 } as const;
const noParams = { type: 'object' } as const;
const jobId = { type: 'string', minLength: 1 } as const;

/** JSON Schema of each command's `params` object. Parameters not listed are ignored. */
export const RPC_PARAM_SCHEMAS = {
  daemon: { type: 'object', properties: { action: { enum: ['status', 'stop'] } } },
  start: { type: 'object', required: ['config_path'], properties: { config_path: text, plugin_path: text } },
  stop: { type: 'object', required: ['name'], properties: { name: text } },
  status: { type: 'object', required: ['name'], properties: { name: text } },
  list: noParams,
  submit_measure: {
    type: 'object',
    properties: {
      script_path: text,
      script: { type: 'string' },
      mode: { enum: ['staged', 'interactive'] },
      name: { type: 'string' },
      tags: { type: 'array', items: { type: 'string' } },
    },
    anyOf: [{ required: ['script_path'] }, { required: ['script'] }],
  },
  submit_sleep: {
    type: 'object',
    required: ['duration_ms'],
    properties: { duration_ms: { type: 'number', minimum: 0 }, name: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } },
  },
  job_status: { type: 'object', required: ['job_id'], properties: { job_id: jobId } },
  job_result: { type: 'object', required: ['job_id'], properties: { job_id: jobId, partial: { type: 'boolean' } } },
  job_list: {
    type: 'object',
    properties: {
      status: { anyOf: [{ enum: [...JOB_STATUSES] }, { type: 'array', items: { enum: [...JOB_STATUSES] } }] },
      type: text,
      limit: { type: 'integer', minimum: 1 },
    },
  },
  job_cancel: { type: 'object', required: ['job_id'], properties: { job_id: jobId } },
  test: {
    type: 'object',
    required: ['config_path', 'verb'],
    properties: { config_path: text, verb: text, params: { type: 'object' } },
  },
  plugins: noParams,
  discover: { type: 'object', properties: { paths: { type: 'array', items: { type: 'string' } } } },
  validate: { type: 'object', required: ['kind', 'path'], properties: { kind: { enum: ['config', 'api'] }, path: text } },
} as const satisfies Record<KnownRpcCommand, object>;
