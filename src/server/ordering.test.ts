// The ordering guarantees of SPEC part 10, end to end: Lua scripts through the job queue and
// the scheduler to simulated instruments in real worker processes. The simulators are given
// command delays, so that a command started too early would show in the recorded timestamps.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { fileURLToPath } from 'node:url';
import { makeTempDir, type TempDir } from '../test-support/index.js';
import type { JobResult } from '../results/types.js';
import { InstrumentServer } from './instrument-server.js';
import { freePort } from '../daemon/free-port.js';

const labApis = resolve(dirname(fileURLToPath(import.meta.url)), '../../examples/lab/apis');

/** A simulated instrument config on one of the lab's API definitions. */
function labConfig(name: string, api: 'dac' | 'dmm' | 'scope', sim: string): string {
  return `name: ${name}\napi_ref: ${join(labApis, `${api}.yaml`)}\nconnection: { type: VISA, address: "sim://${name.toLowerCase()}" }\nsim:\n${sim}\n`;
}

let dir: TempDir;
let server: InstrumentServer;

before(async () => {
  dir = makeTempDir();
  server = await InstrumentServer.start({ cwd: dir.path, scriptPoolSize: 2 });
  const configs = [
    dir.write('dac1.yaml', labConfig('DAC1', 'dac', '  commands: { SET_VOLTAGE: { delay_ms: 4 } }')),
    dir.write('dac2.yaml', labConfig('DAC2', 'dac', '  commands: { SET_VOLTAGE: { delay_ms: 15 } }')),
    dir.write('dmm1.yaml', labConfig('DMM1', 'dmm', '  outputs: { measured_voltage: { from: range, gain: 0.5, offset: 0 } }\n  commands: { MEASURE_VOLTAGE: { delay_ms: 1 } }')),
    dir.write('scope1.yaml', labConfig('SCOPE1', 'scope', '  waveform_points: 2000\n  commands: { SET_TIMEBASE: { delay_ms: 40 } }')),
    // Slow sources for the parallel block: 40 ms commands overlap even when the machine is busy.
    dir.write('dac3.yaml', labConfig('DAC3', 'dac', '  commands: { SET_VOLTAGE: { delay_ms: 40 } }')),
    dir.write('dac4.yaml', labConfig('DAC4', 'dac', '  commands: { SET_VOLTAGE: { delay_ms: 40 } }')),
    dir.write('crashy.yaml', labConfig('CRASHY', 'dmm', '  commands: { MEASURE_VOLTAGE: { delay_ms: 500 }, MEASURE_CURRENT: { fail: "input overload" } }')),
  ];
  await Promise.all(configs.map((path) => server.startInstrument(path)));
});

after(async () => {
  await server.stop();
  dir.remove();
});

async function run(script: string, mode: 'staged' | 'interactive' = 'staged'): Promise<JobResult> {
  return server.runMeasure({ script, mode });
}

test('commands take effect in program order across instruments: a MEASURE never starts before the SET above it finished', async () => {
  const result = await run(`
    for v = 1, 8 do
      context:call("DAC1:1.SET_VOLTAGE", v / 10)
      context:call("DMM1.SET_RANGE", v)
      context:call("DMM1.MEASURE_VOLTAGE")
    end`);
  assert.equal(result.status, 'success', result.error);
  assert.equal(result.results.length, 24);
  const records = result.results;
  for (let i = 1; i < records.length; i++) {
    const [prev, cur] = [records[i - 1]!, records[i]!];
    assert.equal(cur.index, i);
    if (prev.instrument !== cur.instrument) {
      assert.ok(cur.started_at! >= prev.finished_at!, `#${cur.index} ${cur.instrument}.${cur.verb} started before #${prev.index} ${prev.instrument}.${prev.verb} finished`);
    }
  }
  // Every reading reflects the range set just before it (the simulator reads 0.5 × range).
  const readings = records.filter((r) => r.verb === 'MEASURE_VOLTAGE').map((r) => (r.return as { value: number }).value);
  assert.deepEqual(readings, [1, 2, 3, 4, 5, 6, 7, 8].map((v) => v * 0.5));
});

test('a parallel block runs its commands concurrently and everything after it waits for all of them', async () => {
  const result = await run(`
    context:parallel(function()
      context:call("DAC3:1.SET_VOLTAGE", 0.1)
      context:call("DAC4:1.SET_VOLTAGE", 0.2)
      context:call("SCOPE1.SET_TIMEBASE", 1e-3)
    end)
    context:call("DMM1.MEASURE_VOLTAGE")`);
  assert.equal(result.status, 'success', result.error);
  const inside = result.results.slice(0, 3);
  const afterBlock = result.results[3]!;
  const lastFinished = Math.max(...inside.map((r) => r.finished_at!));
  const firstFinished = Math.min(...inside.map((r) => r.finished_at!));
  const lastStarted = Math.max(...inside.map((r) => r.started_at!));
  assert.ok(lastStarted < firstFinished, 'the commands inside the block overlap in time');
  assert.ok(afterBlock.started_at! >= lastFinished, 'the command after the block started before the block had finished');
});

test('each instrument executes the commands of concurrent jobs in submission order, and jobs on other instruments overlap', async () => {
  const first = await server.submitMeasure({ script: 'for i = 1, 20 do context:call("DAC2:2.SET_VOLTAGE", i / 100) end' });
  const second = await server.submitMeasure({ script: 'for i = 1, 20 do context:call("DAC2:2.SET_VOLTAGE", -i / 100) end' });
  const other = await server.submitMeasure({ script: 'context:call("SCOPE1.SET_TIMEBASE", 2e-3)' });
  const [a, b, c] = await Promise.all([first, second, other].map((id) => server.waitForResult(id)));
  for (const r of [a!, b!, c!]) assert.equal(r.status, 'success', r.error);
  const lastOfFirst = Math.max(...a!.results.map((r) => r.finished_at!));
  assert.ok(b!.results.every((r) => r.started_at! >= lastOfFirst), 'a command of the second job ran on DAC2 before the first job was done with it');
  const scope = c!.results[0]!;
  assert.ok(scope.started_at! < lastOfFirst, 'the job on SCOPE1 waited for the jobs on DAC2');
});

test('staged calls return pending handles; wait() gives the value and the script can branch on it', async () => {
  const result = await run(`
    context:call("DMM1.SET_RANGE", 4)
    local h = context:call("DMM1.MEASURE_VOLTAGE")
    context:log(tostring(h))
    local v = h:wait()
    if v > 1 then context:call("DAC1:2.SET_VOLTAGE", v) end
    context:log(string.format("read %.3f", context:wait(h)))`);
  assert.equal(result.status, 'success', result.error);
  assert.match(result.log[0]!.message, /DMM1\.MEASURE_VOLTAGE/);
  assert.equal(result.log[1]!.message, 'read 2.000');
  assert.deepEqual(result.results[2]!.params, { channel: 2, voltage: 2 });
});

test('interactive calls return values of every type, arrays above the threshold as buffers', async () => {
  const result = await run(
    `
    local id = context:call("DMM1.IDN")
    context:call("DMM1.SET_RANGE", 2)
    local v = context:call("DMM1.MEASURE_VOLTAGE")
    local wf = context:call("SCOPE1:1.GET_WAVEFORM")
    context:log(type(id) .. " " .. tostring(v) .. " " .. wf.element_count .. " " .. #wf:values())`,
    'interactive',
  );
  assert.equal(result.status, 'success', result.error);
  assert.equal(result.results[0]!.return!.type, 'string');
  assert.deepEqual(result.results[2]!.return, { type: 'double', value: 1 });
  const wf = result.results[3]!.return!;
  assert.equal(wf.type, 'buffer');
  assert.equal(result.log[0]!.message, 'string 1.0 2000 2000');
  if (wf.type === 'buffer') assert.equal(server.buffers.get(wf.buffer_id)!.elementCount, 2000);
});

test('a parameter outside its limits fails before reaching the instrument, returns nil and the script goes on', async () => {
  const result = await run(`
    local r = context:call("DAC1:1.SET_VOLTAGE", 12)
    context:log(tostring(r))
    context:call("DAC1:1.SET_VOLTAGE", 1)`);
  assert.equal(result.status, 'success');
  assert.match(result.results[0]!.error!, /<inline>:2: .*voltage = 12 is above the maximum 10/);
  assert.equal(result.results[0]!.executed_at_ms, undefined);
  assert.equal(result.results[0]!.started_at, undefined, 'a call that never ran has no timings');
  assert.equal(result.log[0]!.message, 'nil');
  assert.equal(result.results[1]!.error, undefined);
});

test('a runaway script is stopped by cancel; results gathered before it are kept', async () => {
  const id = await server.submitMeasure({ script: 'context:call("DMM1.SET_RANGE", 3)\nlocal h = context:call("DMM1.GET_RANGE")\nh:wait()\nwhile true do end' });
  let seen = 0;
  await new Promise<void>((resolve) => {
    const onRecord = (jobId: string) => {
      if (jobId === id && ++seen === 2) {
        server.off('record', onRecord);
        resolve();
      }
    };
    server.on('record', onRecord);
  });
  const info = await server.cancelJob(id);
  assert.ok(info.status === 'canceled' || info.status === 'canceling');
  const final = await server.waitForJob(id);
  assert.equal(final.status, 'canceled');
  const kept = server.jobResult(id).result as JobResult;
  assert.equal(kept.results.length, 2);
});

test('real results (values, errors, buffers, log lines) satisfy the published job-result schema', async () => {
  const schemaPath = resolve(dirname(fileURLToPath(import.meta.url)), '../../schemas/job-result.schema.json');
  const ajv = new Ajv({ allErrors: true, strict: true });
  const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);
  const id = await server.submitMeasure({
    script: `
      context:log("schema check")
      print(context:call("DMM1.IDN"))
      context:call("DMM1.SET_RANGE", 2)
      context:call("DMM1.MEASURE_VOLTAGE")
      context:call("DAC1:2.SET_VOLTAGE", 99)
      context:call("NOPE.SET", 1)
      context:call("SCOPE1:1.GET_WAVEFORM")`,
  });
  await server.waitForJob(id);
  const answer = server.jobResult(id);
  assert.ok(validate(answer.result), ajv.errorsText(validate.errors));
  const result = answer.result as JobResult;
  assert.deepEqual(result.results.map((r) => r.return?.type ?? 'error'), ['string', 'void', 'double', 'error', 'error', 'buffer']);
});

test('the embedding API reports every state change of a job as a job event', async () => {
  // Collected for every job: the job may start before submitMeasure has handed back its id.
  const events: Array<{ job_id: string; status: string }> = [];
  const onJob = (info: { job_id: string; status: string }) => events.push(info);
  server.on('job', onJob);
  try {
    const jobId = await server.submitMeasure({ script: 'context:call("DMM1.SET_RANGE", 1)', name: 'events' });
    await server.waitForJob(jobId);
    assert.deepEqual(events.filter((e) => e.job_id === jobId).map((e) => e.status), ['queued', 'running', 'completed']);
    assert.equal(server.jobStatus(jobId).name, 'events');
  } finally {
    server.off('job', onJob);
  }
});

test('a worker killed during a job: its pending commands fail naming it, the job goes on, the restarted worker serves the next job', async () => {
  const pid = server.instrumentStatus('CRASHY').pid!;
  let jobId = '';
  const killed = new Promise<void>((resolveKilled) => {
    const onRecord = (id: string, record: { index: number }) => {
      if (record.index !== 0) return;
      server.off('record', onRecord);
      jobId = id;
      process.kill(pid, 'SIGKILL');
      resolveKilled();
    };
    server.on('record', onRecord);
  });
  const id = await server.submitMeasure({
    script: 'context:call("CRASHY.SET_RANGE", 1)\ncontext:call("CRASHY.MEASURE_VOLTAGE")\ncontext:call("CRASHY.SET_RANGE", 2)\ncontext:call("DMM1.GET_RANGE")',
  });
  await killed;
  assert.equal(jobId, id);
  const result = await server.waitForResult(id);
  assert.equal(result.results[0]!.error, undefined);
  assert.match(result.results[1]!.error!, /^Instrument CRASHY: worker process exited \(signal SIGKILL\) while executing MEASURE_VOLTAGE/);
  assert.match(result.results[2]!.error!, /^Instrument CRASHY: /);
  assert.equal(result.results[3]!.error, undefined, 'the other instrument is unaffected');
  const next = await server.runMeasure({ script: 'context:call("CRASHY.SET_RANGE", 3)\nprint(context:wait(context:call("CRASHY.GET_RANGE")))' });
  assert.equal(next.status, 'success', next.error);
  assert.equal(next.log[0]!.message, '3.0');
  const status = server.instrumentStatus('CRASHY');
  assert.equal(status.restarts, 1);
  assert.notEqual(status.pid, pid);
});

test('a command that fails at the instrument is recorded with its error and the time it was executed', async () => {
  const result = await run('context:call("CRASHY.MEASURE_CURRENT")\ncontext:call("CRASHY.SET_RANGE", 1)');
  assert.equal(result.status, 'success');
  const failed = result.results[0]!;
  assert.match(failed.error!, /input overload/);
  assert.equal(typeof failed.executed_at_ms, 'number');
  assert.equal(result.results[1]!.error, undefined);
});

test('the embedding API takes a script path and serves RPC on rpcPort', async () => {
  const script = dir.write('set.lua', 'context:call("DMM1.SET_RANGE", 4)\n');
  const result = await server.waitForResult(await server.submitMeasure(script));
  assert.equal(result.status, 'success');
  assert.equal(result.script, script);
  const port = await freePort();
  const embedded = await InstrumentServer.start({ rpcPort: port, cwd: dir.path });
  try {
    assert.equal(embedded.rpc?.port, port);
    const answer = await (await fetch(`http://127.0.0.1:${port}/rpc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"command":"list","params":{}}' })).json();
    assert.deepEqual(answer, { ok: true, instruments: [] });
  } finally {
    await embedded.stop();
  }
});
