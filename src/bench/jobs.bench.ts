// The job queue over HTTP RPC (issue 4), with a keep-alive client against a server on loopback:
// - submit_measure round trip (median, p99);
// - status and list p99 while 10 measure jobs run (target < 5 ms);
// - one job of 1,000 calls on one simulated instrument, submit to finished (target ≥ 40,000 commands/s);
// - 10 jobs × 100 calls back to back, total ms;
// - 1,000 empty jobs, jobs/s.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RpcClient } from '../rpc/index.js';
import { InstrumentServer } from '../server/instrument-server.js';
import { line, stats } from './figures.js';

const labApis = resolve(dirname(fileURLToPath(import.meta.url)), '../../examples/lab/apis');
const ms = (value: number) => `${value.toFixed(2)} ms`;

async function waitFinished(client: RpcClient, jobId: string): Promise<string> {
  for (;;) {
    const info = await client.call('job_wait', { job_id: jobId, timeout_ms: 60_000 });
    if (info.finished) return String(info.status);
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'instrument-server-bench-'));
  writeFileSync(join(dir, 'dmm1.yaml'), `name: DMM1\napi_ref: ${join(labApis, 'dmm.yaml')}\nconnection: { type: VISA, address: "sim://dmm1" }\n`);
  writeFileSync(
    join(dir, 'slow1.yaml'),
    `name: SLOW1\napi_ref: ${join(labApis, 'dmm.yaml')}\nconnection: { type: VISA, address: "sim://slow1" }\nsim:\n  commands: { MEASURE_VOLTAGE: { delay_ms: 2 } }\n`,
  );
  const server = await InstrumentServer.start({ cwd: dir, dataDir: join(dir, 'data'), rpc: { port: 0 } });
  const client = new RpcClient({ url: server.rpc!.url });
  try {
    await server.startInstrument('dmm1.yaml');
    await server.startInstrument('slow1.yaml');

    // submit_measure round trip.
    const submits: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < 300; i++) {
      const started = performance.now();
      const answer = await client.call('submit_measure', { script: `context:log("${i}")` });
      submits.push(performance.now() - started);
      ids.push(String(answer.job_id));
    }
    for (const id of ids) await waitFinished(client, id);
    const submit = stats(submits.slice(20), 1);
    line('submit_measure round trip, median', ms(submit.median), '');
    line('submit_measure round trip, p99', ms(submit.p99), '');

    // status / list while 10 long measure jobs run (each 100 × 2 ms on one instrument).
    const long: string[] = [];
    for (let i = 0; i < 10; i++) {
      long.push(String((await client.call('submit_measure', { script: 'for i = 1, 100 do context:call("SLOW1.MEASURE_VOLTAGE") end' })).job_id));
    }
    const queries: number[] = [];
    let running = true;
    const allDone = Promise.all(long.map((id) => waitFinished(client, id))).then(() => (running = false));
    const queryClient = new RpcClient({ url: server.rpc!.url });
    for (let i = 0; running && i < 2000; i++) {
      const started = performance.now();
      await queryClient.call(i % 2 === 0 ? 'status' : 'list', i % 2 === 0 ? { name: 'SLOW1' } : {});
      queries.push(performance.now() - started);
    }
    queryClient.close();
    await allDone;
    const query = stats(queries, 1);
    line(`status/list while 10 jobs run, p99 (${queries.length} queries)`, ms(query.p99), '< 5 ms', query.p99 < 5);

    // One job of 1,000 calls, submit to finished, best of several.
    const oneJob: number[] = [];
    for (let i = 0; i < 7; i++) {
      oneJob.push(
        await timed(async () => {
          const { job_id } = await client.call('submit_measure', { script: 'for i = 1, 1000 do context:call("DMM1.SET_RANGE", i) end' });
          await waitFinished(client, String(job_id));
        }),
      );
    }
    const rate = 1_000_000 / stats(oneJob, 1).median;
    line('one job of 1,000 calls over RPC (median of 7)', `${rate.toFixed(0)}/s`, '≥ 40,000 commands/s', rate >= 40_000);

    // 10 jobs × 100 calls back to back.
    const tenJobs = await timed(async () => {
      const batch: string[] = [];
      for (let i = 0; i < 10; i++) batch.push(String((await client.call('submit_measure', { script: 'for i = 1, 100 do context:call("DMM1.SET_RANGE", i) end' })).job_id));
      for (const id of batch) await waitFinished(client, id);
    });
    line('10 jobs × 100 calls back to back, total', ms(tenJobs), '');

    // 1,000 empty jobs.
    const empty = await timed(async () => {
      const batch: string[] = [];
      for (let i = 0; i < 1000; i++) batch.push(String((await client.call('submit_measure', { script: '-- nothing' })).job_id));
      await waitFinished(client, batch.at(-1)!);
    });
    line('1,000 empty jobs', `${((1000 / empty) * 1000).toFixed(0)} jobs/s`, '');
  } finally {
    client.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
