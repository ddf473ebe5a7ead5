// The job commands of spec/JOB_SCHEDULING.md as RPC handlers over a JobQueue, with the seed's
// answer shapes: submit_measure → {job_id}; job_status → {job_id, type, status, created_at, ...};
// job_result → {job_id, status, result} (ok:false with `status` before completion unless `partial`);
// job_list → {jobs: [...]}; job_cancel → {job_id, status} once canceled. Plus submit_sleep (beyond).
// Register them with `server.register(...)` or pass them in RpcServerOptions.handlers.
import type { JobQueue } from '../jobs/job-queue.js';
import type { RpcCommandParams } from './command-params.js';
import type { RpcHandler } from './rpc-server.js';

export interface JobCommandHandlers {
  submit_measure: RpcHandler<RpcCommandParams['submit_measure']>;
  submit_sleep: RpcHandler<RpcCommandParams['submit_sleep']>;
  job_status: RpcHandler<RpcCommandParams['job_status']>;
  job_result: RpcHandler<RpcCommandParams['job_result']>;
  job_list: RpcHandler<RpcCommandParams['job_list']>;
  job_cancel: RpcHandler<RpcCommandParams['job_cancel']>;
}

export function jobCommands(queue: JobQueue): JobCommandHandlers {
  return {
    submit_measure: async (p) => {
      const job_id = await queue.submitMeasure({
        ...(p.script_path !== undefined && { scriptPath: p.script_path }),
        ...(p.script !== undefined && { script: p.script }),
        ...(p.mode !== undefined && { mode: p.mode }),
        ...(p.name !== undefined && { name: p.name }),
        ...(p.tags !== undefined && { tags: p.tags }),
      });
      return { job_id };
    },
    submit_sleep: async (p) => ({
      job_id: await queue.submitSleep(p.duration_ms, { ...(p.name !== undefined && { name: p.name }), ...(p.tags !== undefined && { tags: p.tags }) }),
    }),
    job_status: async (p) => queue.jobStatus(p.job_id),
    job_result: async (p) => queue.jobResult(p.job_id, { partial: p.partial === true }),
    job_list: async (p) => ({ jobs: queue.jobList({ status: p.status, type: p.type, limit: p.limit }) }),
    job_cancel: async (p) => {
      const info = await queue.cancel(p.job_id);
      return { job_id: info.job_id, status: info.status };
    },
  };
}
