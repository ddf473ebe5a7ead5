// The daemon end to end: a real daemon process, real HTTP, simulated instruments in real
// worker processes, a real SQLite file (issue 4: the seed's examples, queue rules over RPC,
// persistence across kill -9, malformed input, CLI commands, daemons side by side).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, processExists } from '../test-support/index.js';
import { freePort, LAB, labConfig, postWithHost, rawRpc, runCli, startDaemon, type RunningDaemon } from '../test-support/daemon.js';
import type { JobResult } from '../results/types.js';

async function withDaemon(fn: (daemon: RunningDaemon, root: string) => Promise<void>, args: string[] = []): Promise<void> {
  const dir = makeTempDir();
  const daemon = await startDaemon({ root: dir.path, args });
  try {
    await fn(daemon, dir.path);
  } finally {
    await daemon.stop();
    dir.remove();
  }
}

async function startLab(daemon: RunningDaemon): Promise<void> {
  for (const name of ['dac1', 'dmm1', 'scope1'] as const) await daemon.client.call('start', { config_path: labConfig(name) });
}

async function waitJob(daemon: RunningDaemon, jobId: string): Promise<Record<string, unknown>> {
  for (;;) {
    const info = await daemon.client.call('job_wait', { job_id: jobId, timeout_ms: 20_000 });
    if (info.finished) return info;
  }
}

test('the seed example: ten jobs submitted over RPC complete in order, each with its results', async () => {
  await withDaemon(async (daemon, root) => {
    await startLab(daemon);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const answer = await daemon.client.call('submit_measure', { script: `context:call("DAC1:1.SET_VOLTAGE", ${i / 10})\ncontext:call("DMM1.MEASURE_VOLTAGE")` });
      assert.match(String(answer.job_id), /^job_\d{8}_\d{6}_[0-9a-f]{6}$/);
      ids.push(String(answer.job_id));
    }
    for (const id of ids) assert.equal((await waitJob(daemon, id)).status, 'completed');
    const results = await Promise.all(ids.map((job_id) => daemon.client.call('job_result', { job_id })));
    const firstStarts = results.map((r) => (r.result as JobResult).results[0]!.started_at!);
    assert.deepEqual([...firstStarts].sort((a, b) => a - b), firstStarts, 'jobs ran in submission order');
    const first = results[0]!.result as JobResult;
    assert.equal(first.status, 'success');
    assert.deepEqual(Object.keys(first.results[0]!).filter((k) => ['index', 'instrument', 'verb', 'params', 'executed_at_ms', 'return'].includes(k)).sort(), ['executed_at_ms', 'index', 'instrument', 'params', 'return', 'verb']);
    const list = await daemon.client.call('job_list', {});
    assert.deepEqual((list.jobs as Array<{ job_id: string }>).map((j) => j.job_id), ids);
    // Logs go to the data folder's logs/: the daemon's and one per instrument worker.
    const logs = readdirSync(join(root, 'data', 'logs'));
    for (const name of ['instrument_server.log', 'worker_DAC1.log', 'worker_DMM1.log', 'worker_SCOPE1.log']) assert.ok(logs.includes(name), `${name} in ${logs.join(', ')}`);
    assert.match(readFileSync(join(root, 'data', 'logs', 'instrument_server.log'), 'utf8'), /"msg":"instrument started"/);
  });
});

test('status and list answer while a long measure job runs', async () => {
  await withDaemon(async (daemon) => {
    await startLab(daemon);
    const { job_id } = await daemon.client.call('submit_measure', { script: 'context:call("DMM1.SET_RANGE", 1)\nwhile true do end' });
    const status = await daemon.client.call('status', { name: 'DMM1' });
    assert.equal(status.alive, true);
    assert.equal(typeof (status.stats as Record<string, number>).commands_sent, 'number');
    const list = await daemon.client.call('list', {});
    assert.deepEqual(list.instruments, ['DAC1', 'DMM1', 'SCOPE1']);
    assert.equal((await daemon.client.call('job_status', { job_id: String(job_id) })).status, 'running');
    const canceled = await daemon.client.call('job_cancel', { job_id: String(job_id) });
    assert.equal(canceled.status, 'canceled');
  });
});

test('job_result before completion answers ok:false with the status, or the results so far with partial', async () => {
  await withDaemon(async (daemon) => {
    await startLab(daemon);
    const { job_id } = await daemon.client.call('submit_measure', { script: 'local h = context:call("DMM1.GET_RANGE")\nh:wait()\nwhile true do end' });
    const early = await daemon.client.send('job_result', { job_id: String(job_id) });
    assert.equal(early.ok, false);
    assert.equal(early.status, 'running');
    const partial = await daemon.client.call('job_result', { job_id: String(job_id), partial: true });
    assert.equal(partial.partial, true);
    await daemon.client.call('job_cancel', { job_id: String(job_id) });
    const finished = await daemon.client.send('job_cancel', { job_id: String(job_id) });
    assert.equal(finished.ok, false);
    assert.match(String(finished.error), /already canceled/);
  });
});

test('bad input gets a clear ok:false answer and the daemon keeps serving', async () => {
  await withDaemon(async (daemon, root) => {
    const cases: Array<[string, number, RegExp]> = [
      ['{"command": "list"', 400, /JSON/i],
      ['{"command": "frobnicate", "params": {}}', 404, /unknown command.*frobnicate/i],
      ['{"command": "status", "params": {"name": 7}}', 400, /name/],
      ['{"command": "submit_measure", "params": {"script_path": "/nonexistent/x.lua"}}', 400, /\/nonexistent\/x\.lua does not exist/],
      ['{"command": "submit_measure", "params": {"script": "for i = 1 do"}}', 400, /syntax error: <inline>:1:/],
      ['{"command": "status", "params": {"name": "NOPE"}}', 404, /NOPE/],
      ['{"command": "start", "params": {"config_path": "/nonexistent.yaml"}}', 400, /does not exist/],
      ['{"command": "job_status", "params": {"job_id": "job_x"}}', 404, /job_x/],
    ];
    for (const [body, status, message] of cases) {
      const answer = await rawRpc(daemon.url, body);
      assert.equal(answer.answer.ok, false, body);
      assert.equal(answer.status, status, `${body} → ${JSON.stringify(answer.answer)}`);
      assert.match(String(answer.answer.error), message, body);
      assert.doesNotMatch(String(answer.answer.error), /\n\s+at /, 'no stack trace');
    }
    const formPost = await rawRpc(daemon.url, 'command=list', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(formPost.status, 415);
    assert.equal(await postWithHost(daemon.url, `evil.example:${daemon.port}`, '{"command":"list"}'), 403, 'a foreign Host (DNS rebinding) is refused');
    assert.equal(await postWithHost(daemon.url, `localhost:${daemon.port}`, '{"command":"list"}'), 200);
    const broken = join(root, 'broken.yaml');
    writeFileSync(broken, 'name: [unclosed\n');
    const brokenYaml = await rawRpc(daemon.url, JSON.stringify({ command: 'start', params: { config_path: broken } }));
    assert.equal(brokenYaml.answer.ok, false);
    assert.match(String(brokenYaml.answer.error), /broken\.yaml: line 2, column 1: YAML syntax error/);
    await daemon.client.call('start', { config_path: labConfig('dmm1') });
    const twice = await rawRpc(daemon.url, JSON.stringify({ command: 'start', params: { config_path: labConfig('dmm1') } }));
    assert.equal(twice.status, 409);
    assert.match(String(twice.answer.error), /DMM1 is already started/);
    const unknown = await rawRpc(daemon.url, '{"command": "stop", "params": {"name": "GHOST"}}');
    assert.equal(unknown.status, 404);
    assert.match(String(unknown.answer.error), /GHOST/);
    assert.equal((await daemon.client.call('list', {})).ok, true);
  });
});

test('kill -9 of the daemon loses no finished result; the running job is failed with its partial results; queued jobs run again', async () => {
  const dir = makeTempDir();
  const dataDir = join(dir.path, 'data');
  let daemon = await startDaemon({ root: dir.path, dataDir });
  try {
    await startLab(daemon);
    const done = String((await daemon.client.call('submit_measure', { script: 'context:call("DMM1.SET_RANGE", 2)' })).job_id);
    await waitJob(daemon, done);
    const running = String((await daemon.client.call('submit_measure', { script: 'local h = context:call("DMM1.GET_RANGE")\nh:wait()\nwhile true do end' })).job_id);
    const sleeper = String((await daemon.client.call('submit_sleep', { duration_ms: 10 })).job_id);
    const queued = String((await daemon.client.call('submit_measure', { script: 'context:call("DAC1:2.SET_VOLTAGE", 0.5)' })).job_id);
    // The infinite job holds the sleep barrier, so `queued` waits behind it.
    await daemon.client.call('job_result', { job_id: running, partial: true });
    const workerPids = await Promise.all(['DAC1', 'DMM1', 'SCOPE1'].map(async (name) => Number((await daemon.client.call('status', { name })).pid)));
    daemon.child.kill('SIGKILL');
    await daemon.exited;
    daemon.client.close();
    daemon = await startDaemon({ root: dir.path, dataDir, port: daemon.port });
    assert.deepEqual((await daemon.client.call('list', {})).instruments, ['DAC1', 'DMM1', 'SCOPE1'], 'the instruments the re-queued jobs need were started again');
    for (const pid of workerPids) assert.equal(processExists(pid), false, `worker ${pid} outlived its daemon`);
    const kept = (await daemon.client.call('job_result', { job_id: done })).result as JobResult;
    assert.equal(kept.results[0]!.verb, 'SET_RANGE');
    const interrupted = await daemon.client.call('job_status', { job_id: running });
    assert.equal(interrupted.status, 'failed');
    assert.equal(interrupted.error, 'daemon stopped while job was running');
    assert.equal((await waitJob(daemon, sleeper)).status, 'completed');
    assert.equal((await waitJob(daemon, queued)).status, 'completed');
  } finally {
    await daemon.stop();
    dir.remove();
  }
});

/** The socket inodes a process holds open (from /proc/<pid>/fd). */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // the fd closed while we looked
    }
  }
  return inodes;
}

test('instrument workers share no socket with the daemon: the RPC listening socket does not leak into them', async () => {
  await withDaemon(async (daemon) => {
    await startLab(daemon);
    const hexPort = daemon.port.toString(16).toUpperCase().padStart(4, '0');
    const listening = readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .filter((line) => line.includes(`:${hexPort} `) && line.trim().split(/\s+/)[3] === '0A')
      .map((line) => line.trim().split(/\s+/)[9]!);
    assert.equal(listening.length, 1, 'exactly one listening socket on the RPC port');
    const daemonSockets = socketInodes(daemon.child.pid!);
    assert.ok(daemonSockets.has(listening[0]!), 'the daemon holds the listening socket (the check can see it)');
    for (const name of ['DAC1', 'DMM1', 'SCOPE1']) {
      const pid = Number((await daemon.client.call('status', { name })).pid);
      const shared = [...socketInodes(pid)].filter((inode) => daemonSockets.has(inode));
      assert.deepEqual(shared, [], `worker ${name} (pid ${pid}) holds sockets of the daemon`);
    }
  });
});

test('CLI commands against a daemon: output and exit codes', async () => {
  await withDaemon(async (daemon, root) => {
    assert.equal((await runCli(daemon, ['start', labConfig('dac1')])).stdout, 'started DAC1\n');
    await runCli(daemon, ['start', labConfig('dmm1')]);
    assert.equal((await runCli(daemon, ['list'])).stdout, 'DAC1\nDMM1\n');
    const status = await runCli(daemon, ['status', 'DMM1']);
    assert.equal(status.code, 0);
    assert.equal(JSON.parse(status.stdout).alive, true);
    const measured = await runCli(daemon, ['measure', join(root, '..', 'nonexistent.lua')]);
    assert.equal(measured.code, 1);
    assert.match(measured.stderr, /does not exist/);
    const script = join(root, 'sweep.lua');
    writeFileSync(script, 'context:call("DAC1:1.SET_VOLTAGE", 0.5)\nlocal v = context:call("DMM1.MEASURE_VOLTAGE")\nprint("v", v)\n');
    const run = await runCli(daemon, ['measure', script]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^\[0\] DAC1:1\.SET_VOLTAGE\(0\.5\) -> \[void\]$/m);
    assert.match(run.stdout, /^\[1\] DMM1\.MEASURE_VOLTAGE\(\) -> \[double\] /m);
    const json = await runCli(daemon, ['measure', script, '--json']);
    assert.equal(JSON.parse(json.stdout).result.results.length, 2);
    const submitted = await runCli(daemon, ['jobs', 'submit', script]);
    const jobId = submitted.stdout.trim();
    assert.match(jobId, /^job_/);
    assert.equal((await runCli(daemon, ['jobs', 'wait', jobId])).stdout, `${jobId} completed\n`);
    assert.match((await runCli(daemon, ['jobs', 'list'])).stdout, new RegExp(`${jobId}\\s+measure\\s+completed`));
    const latest = await runCli(daemon, ['jobs', 'list', '--status', 'completed', '--limit', '1']);
    assert.equal(latest.stdout.trim().split('\n').length, 1);
    assert.match(latest.stdout, new RegExp(`^${jobId}`));
    const badStatus = await runCli(daemon, ['jobs', 'list', '--status', 'done']);
    assert.equal(badStatus.code, 1);
    assert.match(badStatus.stderr, /status/);
    const cancelDone = await runCli(daemon, ['jobs', 'cancel', jobId]);
    assert.equal(cancelDone.code, 1);
    assert.match(cancelDone.stderr, /already completed/);
    assert.equal((await runCli(daemon, ['stop', 'DMM1'])).code, 0);
    const gone = await runCli(daemon, ['status', 'DMM1']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /DMM1/);
  });
});

test('a CLI command with no daemon running says so and how to start one', async () => {
  const dir = makeTempDir();
  try {
    const result = await runCli({ port: 1, env: { ...process.env, XDG_RUNTIME_DIR: dir.path } }, ['list']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no daemon is answering at http:\/\/127\.0\.0\.1:1 — start one with `instrument-server daemon start`/);
  } finally {
    dir.remove();
  }
});

test('two daemons run side by side on different ports and data folders', async () => {
  const [a, b] = [makeTempDir(), makeTempDir()];
  const [first, second] = await Promise.all([startDaemon({ root: a.path }), startDaemon({ root: b.path })]);
  try {
    await first.client.call('start', { config_path: labConfig('dac1') });
    await second.client.call('start', { config_path: labConfig('dmm1') });
    assert.deepEqual((await first.client.call('list', {})).instruments, ['DAC1']);
    assert.deepEqual((await second.client.call('list', {})).instruments, ['DMM1']);
    const job = String((await first.client.call('submit_measure', { script: 'context:call("DAC1:1.SET_VOLTAGE", 1)' })).job_id);
    await waitJob(first, job);
    assert.equal((await second.client.send('job_status', { job_id: job })).ok, false, 'jobs are per daemon');
  } finally {
    await Promise.all([first.stop(), second.stop()]);
    a.remove();
    b.remove();
  }
});

test('daemon start in the background returns once RPC answers; a second start says so; daemon stop removes the PID file', async () => {
  const dir = makeTempDir();
  const daemon = { port: await freePort(), env: { ...process.env, XDG_RUNTIME_DIR: join(dir.path, 'run'), XDG_STATE_HOME: join(dir.path, 'state') } };
  try {
    const started = await runCli(daemon, ['daemon', 'start']);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /^daemon started \(pid \d+\) at http:\/\/127\.0\.0\.1:\d+\n$/);
    assert.equal((await runCli(daemon, ['list'])).code, 0, 'RPC answers as soon as start returned');
    const again = await runCli(daemon, ['daemon', 'start']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already running/);
    assert.equal((await runCli(daemon, ['daemon', 'status'])).code, 0);
    const stopped = await runCli(daemon, ['daemon', 'stop']);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.equal((await runCli(daemon, ['daemon', 'status'])).code, 1);
    assert.deepEqual(readdirSync(join(dir.path, 'run', 'instrument-server')), [], 'PID file removed');
  } finally {
    await runCli(daemon, ['daemon', 'stop']);
    dir.remove();
  }
});

test('a configurable script time limit stops a runaway job with a clear reason', async () => {
  await withDaemon(
    async (daemon) => {
      const { job_id } = await daemon.client.call('submit_measure', { script: 'while true do end' });
      const info = await waitJob(daemon, String(job_id));
      assert.equal(info.status, 'failed');
      assert.match(String(info.error), /exceeded its time limit of 300 ms/);
    },
    ['--script-time-limit', '300'],
  );
});

test('with an access token every request needs it; the CLI sends it with --token', async () => {
  await withDaemon(
    async (daemon) => {
      const refused = await rawRpc(daemon.url, '{"command":"list","params":{}}');
      assert.equal(refused.status, 401);
      assert.equal(refused.answer.ok, false);
      const withToken = await fetch(`${daemon.url}/rpc`, { method: 'POST', body: '{"command":"list","params":{}}', headers: { 'content-type': 'application/json', authorization: 'Bearer s3cret' } });
      assert.equal(withToken.status, 200);
      assert.equal((await runCli(daemon, ['--token', 's3cret', 'list'])).code, 0);
      const cli = await runCli(daemon, ['list']);
      assert.equal(cli.code, 1);
      assert.match(cli.stderr, /token/i);
    },
    ['--token', 's3cret'],
  );
});

test('the daemon refuses to listen on a non-loopback address without a token', async () => {
  const dir = makeTempDir();
  try {
    const result = await runCli({ port: await freePort(), env: { ...process.env, XDG_RUNTIME_DIR: join(dir.path, 'run'), INSTRUMENT_SCRIPT_SERVER_TOKEN: '' } }, [
      '--host', '0.0.0.0', 'daemon', 'start', '--foreground', '--data-dir', join(dir.path, 'data'),
    ]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /refusing to listen on 0\.0\.0\.0: an address other than loopback needs an access token/);
  } finally {
    dir.remove();
  }
});

test('test, validate, plugins and discover answer over RPC without disturbing running instruments', async () => {
  await withDaemon(async (daemon, root) => {
    await daemon.client.call('start', { config_path: labConfig('dmm1') });
    const measured = await daemon.client.call('test', { config_path: labConfig('dmm1'), verb: 'SET_RANGE', params: { range: 2 } });
    assert.deepEqual(measured.result, { type: 'void' });
    const idn = await daemon.client.call('test', { config_path: labConfig('dmm1'), verb: 'IDN' });
    assert.deepEqual(idn.result, { type: 'string', value: 'ACME,DMM6,0,2.1' });
    const bad = await daemon.client.send('test', { config_path: labConfig('dmm1'), verb: 'SET_RANGE', params: { range: 'wide' } });
    assert.equal(bad.ok, false);
    assert.match(String(bad.error), /range/);
    assert.deepEqual(await daemon.client.call('validate', { kind: 'config', path: labConfig('dac1') }), { ok: true, valid: true, problems: [] });
    const broken = join(root, 'api.yaml');
    writeFileSync(broken, 'api_version: "1.0.0"\ninstrument: {vendor: A, model: B, identifier: C}\nprotocol: {type: VISA}\ncommands:\n  SET: {template: "SOUR {volts}", parameters: []}\n');
    const invalid = await daemon.client.call('validate', { kind: 'api', path: broken });
    assert.equal(invalid.valid, false);
    assert.match((invalid.problems as string[]).join('\n'), /volts/);
    assert.ok(Array.isArray((await daemon.client.call('plugins', {})).plugins));
    assert.deepEqual((await daemon.client.call('discover', { paths: [root] })).plugins, []);
    assert.equal((await daemon.client.call('status', { name: 'DMM1' })).alive, true);
  });
});

test('stored buffers are fetched by id over RPC and with the CLI (lines, JSON, raw bytes)', async () => {
  await withDaemon(async (daemon, root) => {
    await daemon.client.call('start', { config_path: labConfig('scope1') });
    const { job_id } = await daemon.client.call('submit_measure', { script: 'context:call("SCOPE1:2.GET_WAVEFORM")' });
    await waitJob(daemon, String(job_id));
    const record = ((await daemon.client.call('job_result', { job_id: String(job_id) })).result as JobResult).results[0]!;
    assert.equal(record.return?.type, 'buffer');
    const bufferId = record.return!.type === 'buffer' ? record.return!.buffer_id : '';
    const all = await daemon.client.call('buffer_get', { buffer_id: bufferId });
    assert.equal(all.data_type, 'float64');
    assert.equal((all.values as number[]).length, 1000);
    const page = await daemon.client.call('buffer_get', { buffer_id: bufferId, offset: 10, count: 5 });
    assert.deepEqual(page.values, (all.values as number[]).slice(10, 15));
    const raw = await daemon.client.call('buffer_get', { buffer_id: bufferId, encoding: 'base64' });
    assert.deepEqual(Array.from(new Float64Array(new Uint8Array(Buffer.from(String(raw.data_base64), 'base64')).buffer)), all.values);
    const missing = await daemon.client.send('buffer_get', { buffer_id: 'buf_nope' });
    assert.equal(missing.ok, false);
    assert.match(String(missing.error), /no buffer with id buf_nope/);
    const lines = await runCli(daemon, ['buffer', bufferId]);
    assert.equal(lines.code, 0, lines.stderr);
    assert.deepEqual(lines.stdout.trim().split('\n').map(Number), all.values);
    const file = join(root, 'wave.bin');
    const rawCli = await runCli(daemon, ['buffer', bufferId, '--format', 'raw', '--out', file]);
    assert.equal(rawCli.code, 0, rawCli.stderr);
    assert.deepEqual(Array.from(new Float64Array(new Uint8Array(readFileSync(file)).buffer)), all.values);
  });
});

test('a detached daemon gets its options (and token) over IPC, not in its command line', async () => {
  const dir = makeTempDir();
  const daemon = { port: await freePort(), env: { ...process.env, XDG_RUNTIME_DIR: join(dir.path, 'run'), XDG_STATE_HOME: join(dir.path, 'state') } };
  try {
    const started = await runCli(daemon, ['--token', 'very-secret-token', 'daemon', 'start']);
    assert.equal(started.code, 0, started.stderr);
    const pid = Number(/pid (\d+)/.exec(started.stdout)![1]);
    assert.doesNotMatch(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /very-secret-token/);
    assert.equal((await runCli(daemon, ['--token', 'very-secret-token', 'list'])).code, 0);
  } finally {
    await runCli(daemon, ['--token', 'very-secret-token', 'daemon', 'stop']);
    dir.remove();
  }
});

test('--restore starts again the instruments of the last run, plugin instruments with their plugin', async () => {
  const dir = makeTempDir();
  const dataDir = join(dir.path, 'data');
  const plugin = join(LAB, '..', '..', 'dist', 'drivers', 'plugin', 'fixtures', 'echo-plugin.js');
  const api = dir.write('echo-api.yaml', 'api_version: "1.0.0"\ninstrument: { vendor: ACME, model: ECHO, identifier: ECHO_API }\nprotocol: { type: Custom, name: EchoBus }\ncommands:\n  WHO: { template: "WHO?", returns: string, query: true }\n');
  const config = dir.write('echo.yaml', `name: ECHO1\napi_ref: ${api}\nconnection: { type: Custom, address: "echo://1" }\n`);
  let daemon = await startDaemon({ root: dir.path, dataDir });
  try {
    await daemon.client.call('start', { config_path: config, plugin_path: plugin });
    await daemon.client.call('start', { config_path: labConfig('dmm1') });
    await daemon.stop();
    daemon = await startDaemon({ root: dir.path, dataDir, port: daemon.port, args: ['--restore'] });
    assert.deepEqual((await daemon.client.call('list', {})).instruments, ['DMM1', 'ECHO1']);
    const who = await daemon.client.call('test', { config_path: labConfig('dmm1'), verb: 'IDN' });
    assert.equal((who.result as { type: string }).type, 'string');
  } finally {
    await daemon.stop();
    dir.remove();
  }
});

test('a graceful stop lets running jobs finish within the grace period, then cancels them; queued jobs stay queued', async () => {
  const dir = makeTempDir();
  const dataDir = join(dir.path, 'data');
  let daemon = await startDaemon({ root: dir.path, dataDir, args: ['--stop-grace', '300'] });
  try {
    await startLab(daemon);
    const running = String((await daemon.client.call('submit_measure', { script: 'local h = context:call("DMM1.GET_RANGE")\nh:wait()\nwhile true do end' })).job_id);
    const barrier = String((await daemon.client.call('submit_sleep', { duration_ms: 1 })).job_id);
    const queued = String((await daemon.client.call('submit_measure', { script: 'context:call("DMM1.SET_RANGE", 2)' })).job_id);
    await daemon.client.call('job_result', { job_id: running, partial: true });
    await daemon.stop();
    daemon = await startDaemon({ root: dir.path, dataDir, port: daemon.port });
    const stopped = await daemon.client.call('job_status', { job_id: running });
    assert.equal(stopped.status, 'canceled');
    assert.match(String(stopped.error), /server stopped before the job finished/);
    assert.equal((await waitJob(daemon, barrier)).status, 'completed');
    assert.equal((await waitJob(daemon, queued)).status, 'completed');
  } finally {
    await daemon.stop();
    dir.remove();
  }
});
