// Child process for the crash test of job-store.test.ts: writes jobs to a store as fast as it can
// and reports on stdout what it has committed, until the parent kills it with SIGKILL.
// Usage: node crash-writer.js <dataDir>
import { JobStore } from '../job-store.js';

const store = JobStore.open(process.argv[2]!);
// A finished job with its result, a job left running with partial results, and two queued jobs.
const done = store.insertJob({ type: 'measure', scriptPath: '/lab/done.lua', script: 'context:call("DMM1.MEASURE")' });
store.updateStatus(done.id, 'running', { startedAt: Date.now() });
store.saveResult(done.id, {
  status: 'success',
  script: '/lab/done.lua',
  results: [{ index: 0, instrument: 'DMM1', verb: 'MEASURE', params: {}, executed_at_ms: Date.now(), return: { type: 'double', value: 3.14159 } }],
  log: [{ at_ms: Date.now(), level: 'print', message: 'hello' }],
});
store.updateStatus(done.id, 'completed', { finishedAt: Date.now() });
const running = store.insertJob({ type: 'measure', scriptPath: '/lab/running.lua' });
store.updateStatus(running.id, 'running', { startedAt: Date.now() });
store.appendRecords(running.id, [
  { index: 0, instrument: 'DAC1:1', verb: 'SET_VOLTAGE', params: { voltage: 0.5 }, executed_at_ms: Date.now(), return: { type: 'void' } },
]);
const queued = [store.insertJob({ type: 'measure', script: 'a' }), store.insertJob({ type: 'sleep', params: { duration_ms: 5 } })];
process.stdout.write(JSON.stringify({ done: done.id, running: running.id, queued: queued.map((j) => j.id) }) + '\n');

// Then keep writing: every line printed names a job whose insert has committed.
for (;;) {
  const job = store.insertJob({ type: 'status', status: 'completed', params: { name: 'DMM1' } });
  process.stdout.write(job.id + '\n');
}
