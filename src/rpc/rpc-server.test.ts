import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, createServer, request, type IncomingHttpHeaders } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { RpcServer, isLoopback, type RpcServerOptions } from './rpc-server.js';
import { RpcClient, rpcPortFromEnv } from './rpc-client.js';
import { DaemonUnreachableError, RpcCommandError, RpcError, RpcServerStartError } from './errors.js';
import { RPC_PARAM_SCHEMAS } from './command-params.js';
import { JobNotFoundError } from '../jobs/errors.js';

const servers: RpcServer[] = [];
const clients: RpcClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close(0);
});

async function startServer(options: RpcServerOptions = {}): Promise<{ server: RpcServer; port: number }> {
  const server = new RpcServer({
    port: 0,
    ...options,
    handlers: {
      submit_measure: async () => ({ job_id: 'job_20260116_123456_a1b2c3' }),
      job_status: async (p) => ({ job_id: p.job_id, status: 'running', created_at: 1705401234567 }),
      job_list: async () => ({ jobs: [] }),
      ...options.handlers,
    },
  });
  servers.push(server);
  const { port } = await server.listen();
  return { server, port };
}

interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  text: string;
}

/** One HTTP exchange with full control over method, path, headers and body. */
function raw(
  port: number,
  options: { method?: string; path?: string; headers?: Record<string, string | number>; body?: string | Buffer; chunked?: boolean } = {},
): Promise<RawAnswer> {
  const body = options.body ?? '';
  const headers: Record<string, string | number> = { 'Content-Type': 'application/json', ...options.headers };
  if (!options.chunked && !('Content-Length' in headers)) headers['Content-Length'] = Buffer.byteLength(body);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: options.method ?? 'POST', path: options.path ?? '/rpc', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode!, headers: res.headers, text, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const rpc = (port: number, command: unknown, params?: unknown, headers?: Record<string, string>) =>
  raw(port, { body: JSON.stringify(params === undefined ? { command } : { command, params }), ...(headers && { headers }) });

describe('RpcServer: answers', () => {
  test('a command answers ok:true with its fields, in the seed shape', async () => {
    const { port } = await startServer();
    const a = await rpc(port, 'submit_measure', { script_path: '/path/to/script.lua' });
    assert.equal(a.status, 200);
    assert.deepEqual(a.body, { ok: true, job_id: 'job_20260116_123456_a1b2c3' });
    assert.match(String(a.headers['content-type']), /^application\/json/);
    const s = await rpc(port, 'job_status', { job_id: 'job_20260116_123456_a1b2c3' });
    assert.deepEqual(s.body, { ok: true, job_id: 'job_20260116_123456_a1b2c3', status: 'running', created_at: 1705401234567 });
  });

  test('params may be left out when a command needs none', async () => {
    const { port } = await startServer();
    assert.deepEqual((await rpc(port, 'job_list')).body, { ok: true, jobs: [] });
  });

  test('GET /health answers ok without a token', async () => {
    const { port } = await startServer({ token: 'secret' });
    const a = await raw(port, { method: 'GET', path: '/health' });
    assert.equal(a.status, 200);
    assert.deepEqual(a.body, { ok: true, service: 'instrument-script-server' });
  });

  test('a slow command does not hold up another request', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const { port } = await startServer({
      handlers: {
        slow: async () => {
          await released;
          return { slow: true };
        },
        fast: async () => ({ fast: true }),
      },
    });
    const slow = rpc(port, 'slow');
    let slowDone = false;
    void slow.then(() => (slowDone = true));
    const fast = await rpc(port, 'fast');
    assert.deepEqual(fast.body, { ok: true, fast: true });
    assert.equal(slowDone, false);
    release();
    assert.deepEqual((await slow).body, { ok: true, slow: true });
  });

  test('connections are kept alive between requests', async () => {
    const { port } = await startServer();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const reused: boolean[] = [];
      for (let i = 0; i < 3; i++) {
        await new Promise<void>((resolve, reject) => {
          const body = JSON.stringify({ command: 'job_list' });
          const req = request(
            { host: '127.0.0.1', port, method: 'POST', path: '/rpc', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': body.length } },
            (res) => {
              res.resume();
              res.on('end', () => resolve());
            },
          );
          req.on('error', reject);
          reused.push(false);
          req.on('socket', () => (reused[i] = req.reusedSocket));
          req.end(body);
        });
      }
      assert.deepEqual(reused, [false, true, true]);
    } finally {
      agent.destroy();
    }
  });
});

describe('RpcServer: malformed requests', () => {
  test('malformed JSON → 400 naming the problem', async () => {
    const { port } = await startServer();
    const a = await raw(port, { body: '{"command": "job_list", ' });
    assert.equal(a.status, 400);
    assert.equal(a.body['ok'], false);
    assert.match(String(a.body['error']), /^malformed JSON in the request body: /);
  });

  test('a body that is not {"command": ...} → 400', async () => {
    const { port } = await startServer();
    for (const body of ['[]', '"job_list"', 'null', '{}', '{"command": 5}', '{"command": ""}']) {
      const a = await raw(port, { body });
      assert.equal(a.status, 400, body);
      assert.equal(a.body['ok'], false);
      assert.match(String(a.body['error']), /JSON object|needs "command"/, body);
    }
    const p = await rpc(port, 'job_list', [1, 2]);
    assert.equal(p.status, 400);
    assert.equal(p.body['error'], 'job_list: "params" must be a JSON object');
  });

  test('an unknown command → 404 naming it and listing the known ones', async () => {
    const { port } = await startServer();
    const a = await rpc(port, 'launch_rocket', {});
    assert.equal(a.status, 404);
    assert.equal(a.body['ok'], false);
    assert.equal(a.body['error'], 'unknown command "launch_rocket"; known commands: job_list, job_status, submit_measure');
    assert.deepEqual(a.body['known_commands'], ['job_list', 'job_status', 'submit_measure']);
  });

  test('wrong method → 405, unknown path → 404, both as JSON', async () => {
    const { port } = await startServer();
    const get = await raw(port, { method: 'GET', path: '/rpc' });
    assert.equal(get.status, 405);
    assert.equal(get.headers['allow'], 'POST');
    assert.deepEqual(get.body, { ok: false, error: 'GET is not allowed on /rpc: use POST' });
    const post = await raw(port, { method: 'POST', path: '/health' });
    assert.equal(post.status, 405);
    const other = await raw(port, { method: 'GET', path: '/admin' });
    assert.equal(other.status, 404);
    assert.deepEqual(other.body, { ok: false, error: 'no endpoint /admin: use POST /rpc (or GET /health)' });
  });

  test('a body that is not application/json → 415 (a charset is fine)', async () => {
    const { port } = await startServer();
    const body = JSON.stringify({ command: 'job_list' });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const a = await raw(port, { body, headers: { 'Content-Type': type } });
      assert.equal(a.status, 415, type);
      assert.equal(a.body['error'], `Content-Type must be application/json (got "${type}")`);
    }
    const ok = await raw(port, { body, headers: { 'Content-Type': 'Application/JSON; charset=utf-8' } });
    assert.equal(ok.status, 200);
  });

  test('a body over the limit → 413, whether announced or streamed', async () => {
    const { port } = await startServer({ bodyLimitBytes: 1024 });
    const big = JSON.stringify({ command: 'job_list', params: { pad: 'x'.repeat(4096) } });
    const announced = await raw(port, { body: big });
    assert.equal(announced.status, 413);
    assert.deepEqual(announced.body, { ok: false, error: 'the request body is larger than the limit of 1024 bytes' });
    const streamed = await raw(port, { body: big, chunked: true });
    assert.equal(streamed.status, 413);
    const fits = await raw(port, { body: JSON.stringify({ command: 'job_list', params: { pad: 'x'.repeat(900) } }) });
    assert.equal(fits.status, 200);
  });

  test('wrong or missing params → 400 naming the parameter', async () => {
    const { port } = await startServer({
      handlers: Object.fromEntries(Object.keys(RPC_PARAM_SCHEMAS).map((c) => [c, async () => ({})])),
    });
    const cases: [string, unknown, string][] = [
      ['job_status', {}, 'job_status: missing required parameter "job_id"'],
      ['job_status', { job_id: 42 }, 'job_status: parameter "job_id" must be a string'],
      ['job_result', { job_id: 'j', partial: 'yes' }, 'job_result: parameter "partial" must be a boolean (true or false)'],
      ['job_cancel', { job_id: '' }, 'job_cancel: parameter "job_id" must not be empty'],
      ['submit_measure', {}, 'submit_measure: needs parameter "script_path" or "script"'],
      ['submit_measure', { script: 'x', mode: 'fast' }, 'submit_measure: parameter "mode" must be one of "staged", "interactive"'],
      ['submit_measure', { script: 'x', tags: ['a', 1] }, 'submit_measure: parameter "tags[1]" must be a string'],
      ['submit_measure', { script_path: 7 }, 'submit_measure: parameter "script_path" must be a string'],
      ['status', {}, 'status: missing required parameter "name"'],
      ['stop', { name: true }, 'stop: parameter "name" must be a string'],
      ['start', { plugin_path: '/p.js' }, 'start: missing required parameter "config_path"'],
      ['test', { config_path: '/c.yaml' }, 'test: missing required parameter "verb"'],
      ['test', { config_path: '/c.yaml', verb: 'MEASURE', params: [] }, 'test: parameter "params" must be a JSON object'],
      ['discover', { paths: '/plugins' }, 'discover: parameter "paths" must be an array'],
      ['validate', { kind: 'script', path: '/x' }, 'validate: parameter "kind" must be one of "config", "api"'],
      ['validate', { kind: 'config' }, 'validate: missing required parameter "path"'],
      ['daemon', { action: 'explode' }, 'daemon: parameter "action" must be one of "status", "stop"'],
    ];
    for (const [command, params, error] of cases) {
      const a = await rpc(port, command, params);
      assert.equal(a.status, 400, `${command} ${JSON.stringify(params)}`);
      assert.deepEqual(a.body, { ok: false, error });
    }
    // The same commands with good params pass.
    for (const [command, params] of [
      ['submit_measure', { script_path: '/s.lua', mode: 'interactive', name: 'n', tags: ['t'] }],
      ['submit_measure', { script: 'context:call("DMM1.MEASURE")' }],
      ['job_result', { job_id: 'j', partial: true }],
      ['test', { config_path: '/c.yaml', verb: 'MEASURE', params: { range: 10 } }],
      ['discover', {}],
      ['validate', { kind: 'api', path: '/a.yaml' }],
    ] as const) {
      assert.equal((await rpc(port, command, params)).status, 200, command);
    }
  });
});

describe('RpcServer: handler failures', () => {
  test('errors become ok:false with their status and message, never a stack trace', async () => {
    const { port } = await startServer({
      logger: { error: () => undefined },
      handlers: {
        conflict: async () => {
          throw new RpcError('job job_1 is already completed', 409, { status: 'completed' });
        },
        missing: async () => {
          throw new JobNotFoundError('job_20260116_123456_a1b2c3');
        },
        bug: async () => {
          throw new TypeError("Cannot read properties of undefined (reading 'x')");
        },
        weird: async () => {
          throw 'a string';
        },
        unencodable: async () => ({ big: 10n }),
      },
    });
    const conflict = await rpc(port, 'conflict');
    assert.equal(conflict.status, 409);
    assert.deepEqual(conflict.body, { ok: false, error: 'job job_1 is already completed', status: 'completed' });
    const missing = await rpc(port, 'missing');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { ok: false, error: 'no job job_20260116_123456_a1b2c3' });
    const bug = await rpc(port, 'bug');
    assert.equal(bug.status, 500);
    assert.deepEqual(bug.body, { ok: false, error: "Cannot read properties of undefined (reading 'x')" });
    assert.doesNotMatch(bug.text, /\n|at .*\.js/);
    const weird = await rpc(port, 'weird');
    assert.deepEqual([weird.status, weird.body], [500, { ok: false, error: 'weird failed' }]);
    const unencodable = await rpc(port, 'unencodable');
    assert.equal(unencodable.status, 500);
    assert.match(String(unencodable.body['error']), /could not be encoded as JSON/);
  });
});

describe('RpcServer: security', () => {
  test('a Host other than the bound address or localhost is refused (DNS rebinding)', async () => {
    const { port } = await startServer();
    const body = JSON.stringify({ command: 'job_list' });
    for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1:${port + 1}`, `localhost`]) {
      const a = await raw(port, { body, headers: { Host: host } });
      assert.equal(a.status, 403, host);
      assert.equal(a.body['ok'], false);
      assert.match(String(a.body['error']), /^Host ".*" is not allowed: use http:\/\/127\.0\.0\.1:\d+$/);
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `LOCALHOST:${port}`]) {
      assert.equal((await raw(port, { body, headers: { Host: host } })).status, 200, host);
    }
  });

  test('extra host names can be allowed', async () => {
    const { port } = await startServer({ allowedHosts: ['labpc.local'] });
    const a = await raw(port, { body: JSON.stringify({ command: 'job_list' }), headers: { Host: `labpc.local:${port}` } });
    assert.equal(a.status, 200);
  });

  test('listening beyond loopback without a token is refused', async () => {
    const server = new RpcServer({ host: '0.0.0.0', port: 0 });
    await assert.rejects(server.listen(), (e) => e instanceof RpcServerStartError && /refusing to listen on 0\.0\.0\.0: .*needs an access token/.test(e.message));
    assert.ok(isLoopback('127.0.0.1') && isLoopback('::1') && isLoopback('localhost') && !isLoopback('0.0.0.0') && !isLoopback('192.168.1.5'));
  });

  test('with a token, requests need "Authorization: Bearer <token>"', async () => {
    const { port } = await startServer({ host: '127.0.0.1', token: 's3cret-token' });
    const body = JSON.stringify({ command: 'job_list' });
    for (const auth of [undefined, 'Bearer wrong', 'Bearer s3cret-toke', 'Basic s3cret-token']) {
      const a = await raw(port, { body, headers: auth ? { Authorization: auth } : {} });
      assert.equal(a.status, 401, String(auth));
      assert.equal(a.headers['www-authenticate'], 'Bearer');
      assert.deepEqual(a.body, { ok: false, error: 'missing or wrong access token: send "Authorization: Bearer <token>"' });
    }
    const ok = await raw(port, { body, headers: { Authorization: 'Bearer s3cret-token' } });
    assert.equal(ok.status, 200);
    const client = new RpcClient({ port, token: 's3cret-token' });
    clients.push(client);
    assert.deepEqual(await client.call('job_list', {}), { ok: true, jobs: [] });
  });

  test('a port in use is reported as such', async () => {
    const { port } = await startServer();
    const second = new RpcServer({ port });
    await assert.rejects(second.listen(), /cannot listen on 127\.0\.0\.1:\d+: the port is already in use/);
  });
});

describe('RpcClient', () => {
  test('call resolves with the answer and throws RpcCommandError on ok:false', async () => {
    const { port } = await startServer({
      handlers: {
        job_result: async (p) => {
          throw new RpcError(`job ${p.job_id} is running: its result is not ready yet`, 409, { job_id: p.job_id, status: 'running' });
        },
      },
    });
    const client = new RpcClient({ port });
    clients.push(client);
    assert.equal(client.url, `http://127.0.0.1:${port}`);
    assert.deepEqual(await client.call('submit_measure', { script_path: '/s.lua' }), { ok: true, job_id: 'job_20260116_123456_a1b2c3' });
    await assert.rejects(
      client.call('job_result', { job_id: 'job_1' }),
      (e) =>
        e instanceof RpcCommandError &&
        e.message === 'job job_1 is running: its result is not ready yet' &&
        e.httpStatus === 409 &&
        e.response['status'] === 'running',
    );
    assert.deepEqual(await client.send('nope'), {
      ok: false,
      error: 'unknown command "nope"; known commands: job_list, job_result, job_status, submit_measure',
      known_commands: ['job_list', 'job_result', 'job_status', 'submit_measure'],
    });
    assert.equal(await client.health(), true);
  });

  test('with no daemon listening, calls throw DaemonUnreachableError saying how to start one', async () => {
    // A port that was free a moment ago and has nothing listening now.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const client = new RpcClient({ port });
    clients.push(client);
    await assert.rejects(
      client.call('job_list', {}),
      (e) => e instanceof DaemonUnreachableError && e.message === `no daemon is answering at http://127.0.0.1:${port} — start one with \`instrument-server daemon start\``,
    );
    assert.equal(await client.health(), false);
  });

  test('the port comes from INSTRUMENT_SCRIPT_SERVER_RPC_PORT, else 8555', () => {
    assert.equal(rpcPortFromEnv({}), 8555);
    assert.equal(rpcPortFromEnv({ INSTRUMENT_SCRIPT_SERVER_RPC_PORT: '9001' }), 9001);
    assert.throws(() => rpcPortFromEnv({ INSTRUMENT_SCRIPT_SERVER_RPC_PORT: 'abc' }), /must be a port number/);
    assert.equal(new RpcClient({ port: 8555 }).url, 'http://127.0.0.1:8555');
  });

  test('close() returns while a client still holds a keep-alive connection', async () => {
    const { server, port } = await startServer();
    const client = new RpcClient({ port });
    clients.push(client);
    await client.call('job_list', {});
    await server.close();
    assert.equal(await client.health(), false);
  });
});

describe('published RPC schemas', () => {
  test('schemas/rpc-params.schema.json declares exactly the params the server checks', () => {
    const published = JSON.parse(readFileSync(new URL('../../schemas/rpc-params.schema.json', import.meta.url), 'utf8')) as { $defs: unknown };
    assert.deepEqual(published.$defs, JSON.parse(JSON.stringify(RPC_PARAM_SCHEMAS)));
  });
});
