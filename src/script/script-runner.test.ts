import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScriptRunner } from './script-runner.js';
import { RecordingHost, testInstruments } from './test-fixtures.js';
import type { ScriptHost, ScriptOptions, ScriptRunnerOptions } from './types.js';
import type { ReturnValue } from '../results/types.js';

const instruments = testInstruments();

/** A runner for one test; its Lua threads are stopped when the test ends. */
function runnerFor(t: TestContext, options: ScriptRunnerOptions = {}): ScriptRunner {
  const runner = new ScriptRunner({ poolSize: 1, ...options });
  t.after(() => runner.close());
  return runner;
}

async function run(t: TestContext, source: string, host: ScriptHost, options: Partial<ScriptOptions> = {}, runnerOptions?: ScriptRunnerOptions) {
  const runner = runnerFor(t, runnerOptions);
  const execution = runner.run({ source, chunkName: 'test.lua', mode: 'staged', instruments, ...options }, host);
  return { execution, end: await execution.ended, runner };
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'isr-script-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('positional arguments bind to the declared parameters in order, and INST:CH addresses a channel', async (t) => {
  const host = new RecordingHost();
  const { end } = await run(t, `
    context:call("DAC1:2.SET_VOLTAGE", 1.5)
    context:call("DMM1.CONFIGURE", "dc", 10, true)
  `, host);
  assert.deepEqual(end, { ok: true });
  assert.deepEqual(host.calls, [
    { index: 0, instrument: 'DAC1', channel: 2, verb: 'SET_VOLTAGE', params: { channel: 2, voltage: 1.5 }, line: 2 },
    { index: 1, instrument: 'DMM1', verb: 'CONFIGURE', params: { mode: 'dc', nplc: 10, auto_zero: true }, line: 3 },
  ]);
});

test('a single table argument binds by name and defaults fill in', async (t) => {
  const host = new RecordingHost();
  const { end } = await run(t, `
    context:call("SCOPE1.SET_TIMEBASE", {timebase = 1e-3})
    context:call("DMM1.CONFIGURE", {mode = "ac"})
    context:call("DMM1.LOAD_TABLE", {0.5, -0.5, 0})
  `, host);
  assert.deepEqual(end, { ok: true });
  assert.deepEqual(host.calls.map((c) => c.params), [{ timebase: 1e-3 }, { mode: 'ac', nplc: 1 }, { points: [0.5, -0.5, 0] }]);
});

test('integer-valued Lua numbers (3 and 3.0) are accepted by int parameters, 2.5 is not', async (t) => {
  const host = new RecordingHost();
  const { end } = await run(t, `
    context:call("DMM1.SET_RANGE", 3)
    context:call("DMM1.SET_RANGE", 3.0)
    assert(context:call("DMM1.SET_RANGE", 2.5) == nil)
  `, host);
  assert.deepEqual(end, { ok: true });
  assert.deepEqual(host.calls.map((c) => c.params), [{ range: 3 }, { range: 3 }]);
  assert.match(host.rejections[0]!.error, /^test\.lua:4: .*range must be an integer/);
});

test('interactive mode hands every return type to Lua', async (t) => {
  const replies: Record<string, ReturnValue> = {
    MEASURE_CURRENT: { type: 'double', value: 2 },
    MEASURE_VOLTAGE: { type: 'double', value: 0.25 },
    GET_COUNT: { type: 'int64', value: 42 },
    IDN: { type: 'string', value: 'TEST,DMM1,0,1.0' },
    IS_READY: { type: 'bool', value: false },
    GET_TRACE: { type: 'array', value: [1.5, 2.5, 3.5] },
    GET_WAVEFORM: { type: 'buffer', buffer_id: 'buf-1', element_count: 3, data_type: 'float32' },
  };
  const host = new RecordingHost((c) => replies[c.verb] ?? { type: 'void' }, { 'buf-1': [0.5, 1, 1.5] });
  const { end } = await run(t, `
    local i = context:call("DMM1.MEASURE_CURRENT")
    assert(i == 2 and math.type(i) == "float", "double arrives as a float: " .. tostring(i))
    assert(context:call("DMM1.MEASURE_VOLTAGE") == 0.25)
    local n = context:call("DMM1.GET_COUNT")
    assert(n == 42 and math.type(n) == "integer", "int64 arrives as an integer")
    assert(context:call("DMM1.IDN") == "TEST,DMM1,0,1.0")
    assert(context:call("DMM1.IS_READY") == false)
    local trace = context:call("DMM1.GET_TRACE")
    assert(type(trace) == "table" and #trace == 3 and trace[2] == 2.5)
    assert(context:call("DAC1.RESET") == true, "void answers true")
    local wf = context:call("SCOPE1:1.GET_WAVEFORM")
    assert(wf.buffer_id == "buf-1" and wf.element_count == 3 and wf.data_type == "float32")
    local values = wf:values()
    assert(#values == 3 and values[3] == 1.5)
    print(tostring(wf))
  `, host, { mode: 'interactive' });
  assert.deepEqual(end, { ok: true });
  assert.equal(host.logs[0]!.message, '<buffer buf-1: 3 × float32>');
  assert.equal(host.trace().filter((e) => e.startsWith('fetch')).length, 1);
});

test('a failed command returns nil and the error to the script, which goes on', async (t) => {
  const host = new RecordingHost((c) => (c.verb === 'MEASURE_CURRENT' ? { error: 'Instrument DMM1: command MEASURE_CURRENT timed out after 5000 ms' } : { type: 'void' }));
  const { end } = await run(t, `
    local v, err = context:call("DMM1.MEASURE_CURRENT")
    assert(v == nil)
    print(err)
    local h = context:call("DMM1.MEASURE_CURRENT")
  `, host, { mode: 'interactive' });
  assert.deepEqual(end, { ok: true });
  assert.equal(host.logs[0]!.message, 'Instrument DMM1: command MEASURE_CURRENT timed out after 5000 ms');
  assert.equal(host.calls.length, 2);
});

test('staged mode returns pending handles that show their target and index and wait for the value', async (t) => {
  const host = new RecordingHost((c) => (c.verb === 'MEASURE_CURRENT' ? { type: 'double', value: 1e-6 } : { type: 'void' }));
  const { end } = await run(t, `
    local a = context:call("DAC1:1.SET_VOLTAGE", 0.5)
    local b = context:call("DMM1.MEASURE_CURRENT")
    print(tostring(a), tostring(b), a.index, b.index)
    assert(b:wait() == 1e-6)
    assert(context:wait(b) == 1e-6)
    assert(context:wait(a) == true)
    assert(context:wait(7) == 7, "non-handles pass through context:wait")
  `, host);
  assert.deepEqual(end, { ok: true });
  assert.equal(host.logs[0]!.message, '<pending DAC1:1.SET_VOLTAGE #0>\t<pending DMM1.MEASURE_CURRENT #1>\t0\t1');
  // Both calls went out in one batch before the first wait; a settled handle is not asked twice.
  assert.deepEqual(host.trace(), ['call 0,1', 'wait 1', 'wait 0']);
});

test('rejected calls (unknown instrument, verb, missing/extra/ill-typed/out-of-range parameter) return nil, are recorded with their line, and the script goes on', async (t) => {
  const host = new RecordingHost();
  const { end } = await run(t, [
    'assert(context:call("NOPE.SET", 1) == nil)',
    'assert(context:call("DMM1.SET_RANG", 1) == nil)',
    'assert(context:call("DMM1.SET_RANGE") == nil)',
    'assert(context:call("DMM1.SET_RANGE", 1, 2) == nil)',
    'assert(context:call("DMM1.SET_RANGE", "high") == nil)',
    'assert(context:call("DAC1:1.SET_VOLTAGE", 11) == nil)',
    'assert(context:call("DAC1:9.SET_VOLTAGE", 1) == nil)',
    'assert(context:call("DMM1.CONFIGURE", {mode = "dc", speed = 3}) == nil)',
    'assert(context:call("bad target") == nil)',
    'assert(context:call("DMM1.CONFIGURE", {mode = print}) == nil)',
    'context:call("DMM1.SET_RANGE", 2)',
  ].join('\n'), host);
  assert.deepEqual(end, { ok: true });
  const errors = host.rejections.map((r) => r.error);
  assert.equal(errors.length, 10);
  errors.forEach((error, i) => assert.ok(error.startsWith(`test.lua:${i + 1}: `), error));
  assert.match(errors[0]!, /unknown instrument NOPE/);
  assert.match(errors[1]!, /unknown command SET_RANG/);
  assert.match(errors[2]!, /missing required parameter range/);
  assert.match(errors[3]!, /too many arguments/);
  assert.match(errors[4]!, /range must be an integer/);
  assert.match(errors[5]!, /voltage = 11 is above the maximum 10/);
  assert.match(errors[6]!, /channel 9 is above the maximum 4/);
  assert.match(errors[7]!, /unknown parameter speed/);
  assert.match(errors[8]!, /bad command target "bad target"/);
  assert.match(errors[9]!, /mode must be a string/);
  assert.deepEqual(host.rejections[9]!.params, { mode: '<function>' });
  assert.deepEqual(host.rejections.map((r) => r.index), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(host.rejections[0], { index: 0, instrument: 'NOPE', verb: 'SET', params: { '#1': 1 }, error: errors[0], line: 1 });
  assert.deepEqual(host.rejections[5]!.params, { voltage: 11 });
  assert.equal(host.rejections[5]!.instrument, 'DAC1:1');
  assert.deepEqual(host.calls.map((c) => c.index), [10]);
});

test('a runtime error fails the script with file:line: message and a short traceback', async (t) => {
  const host = new RecordingHost();
  const { end } = await run(t, 'local function f(x)\n  return x.field\nend\ncontext:call("DAC1.RESET")\nf(nil)\n', host, { chunkName: 'scripts/sweep.lua' });
  assert.equal(end.ok, false);
  assert.equal(end.error, "scripts/sweep.lua:2: attempt to index a nil value (local 'x')");
  assert.match(end.traceback!, /scripts\/sweep\.lua:2: in (local|upvalue|function) 'f'/);
  assert.equal(host.calls.length, 1, 'calls before the error were delivered');
});

test('error() with a table or with level 0 still names the file and line', async (t) => {
  const table = await run(t, '\nerror({code = 1})', new RecordingHost());
  assert.equal(table.end.error, 'test.lua:2: (error object is a table value)');
  const level0 = await run(t, 'local x = 1\nerror("plain", 0)', new RecordingHost());
  assert.equal(level0.end.error, 'test.lua:2: plain');
});

test('a syntax error fails the script with file:line: message', async (t) => {
  const { end } = await run(t, 'local x = 1\nfor i = 1, 3 do\n  x = x +\nend\n', new RecordingHost(), { chunkName: 'scripts/broken.lua' });
  assert.deepEqual(end, { ok: false, error: "scripts/broken.lua:4: unexpected symbol near 'end'" });
});

test('long script paths appear in full in error messages', async (t) => {
  const path = '/home/someone/measurements/2026-12-03/cooldown-7/scripts/gate_sweeps/iv_sweep_gate3.lua';
  const host = new RecordingHost();
  const { end } = await run(t, 'context:call("NOPE.X")\nerror("stop")', host, { chunkName: path });
  assert.equal(end.error, `${path}:2: stop`);
  assert.equal(host.rejections[0]!.error.startsWith(`${path}:1: `), true);
});

test('nested context:parallel is an error naming the line, and the outer block is still closed', async (t) => {
  const host = new RecordingHost();
  const { end } = await run(t, [
    'context:parallel(function()',
    '  context:call("DAC1:1.SET_VOLTAGE", 0)',
    '  context:parallel(function() end)',
    'end)',
  ].join('\n'), host);
  assert.deepEqual({ ok: end.ok, error: end.error }, { ok: false, error: 'test.lua:3: nested context:parallel is not allowed' });
  assert.deepEqual(host.trace(), ['parallelBegin', 'call 0', 'parallelEnd']);
});

test('staged parallel block: earlier calls are delivered before parallelBegin, the block between begin and end, no barrier wait', async (t) => {
  const host = new RecordingHost();
  const { end } = await run(t, `
    context:call("DAC1.RESET")
    context:parallel(function()
      context:call("DAC1:1.SET_VOLTAGE", 0)
      context:call("DAC1:2.SET_VOLTAGE", 0)
      context:call("SCOPE1.SET_TIMEBASE", {timebase = 1e-3})
    end)
    context:call("DMM1.MEASURE_CURRENT")
  `, host);
  assert.deepEqual(end, { ok: true });
  assert.deepEqual(host.trace(), ['call 0', 'parallelBegin', 'call 1,2,3', 'parallelEnd', 'call 4']);
});

test('interactive parallel block: calls inside return handles without blocking, the end of the block waits on the barrier', async (t) => {
  const host = new RecordingHost((c) => (c.verb === 'GET_VOLTAGE' ? { type: 'double', value: c.params.channel as number } : { type: 'void' }));
  const { end } = await run(t, `
    local a, b
    context:parallel(function()
      a = context:call("DAC1:1.GET_VOLTAGE")
      b = context:call("DAC1:2.GET_VOLTAGE")
      assert(tostring(a) == "<pending DAC1:1.GET_VOLTAGE #0>")
    end)
    assert(a:wait() == 1 and b:wait() == 2)
    assert(context:call("DAC1:3.GET_VOLTAGE") == 3)
  `, host, { mode: 'interactive' });
  assert.deepEqual(end, { ok: true });
  assert.deepEqual(host.trace(), ['parallelBegin', 'call 0,1', 'parallelEnd', 'barrier', 'wait 0', 'wait 1', 'call 2', 'wait 2']);
});

test('an error inside a parallel block still ends the block', async (t) => {
  const host = new RecordingHost();
  const { end } = await run(t, 'context:parallel(function()\n  context:call("DAC1.RESET")\n  error("inside")\nend)\n', host);
  assert.equal(end.error, 'test.lua:3: inside');
  assert.deepEqual(host.trace(), ['parallelBegin', 'call 0', 'parallelEnd']);
});

test('`staged` resolves when the script first blocks on a wait, `ended` when it returns', async (t) => {
  const host = new RecordingHost((c) => (c.verb === 'MEASURE_CURRENT' ? { type: 'double', value: 1 } : { type: 'void' }));
  host.hold();
  const runner = runnerFor(t);
  const execution = runner.run({ source: 'local h = context:call("DMM1.MEASURE_CURRENT")\nprint(h:wait())', chunkName: 'test.lua', mode: 'staged', instruments }, host);
  let ended = false;
  void execution.ended.then(() => (ended = true));
  await execution.staged;
  assert.equal(ended, false);
  assert.deepEqual(host.trace(), ['call 0', 'wait 0']);
  host.release();
  assert.deepEqual(await execution.ended, { ok: true });
  assert.equal(host.logs[0]!.message, '1.0');
});

test('a staged script that never waits is staged when it finishes', async (t) => {
  const runner = runnerFor(t);
  const order: string[] = [];
  const execution = runner.run({ source: 'for i = 1, 10 do context:call("DAC1:1.SET_VOLTAGE", i / 10) end', chunkName: 'test.lua', mode: 'staged', instruments }, new RecordingHost());
  execution.on('staged', () => order.push('staged'));
  execution.on('ended', () => order.push('ended'));
  await execution.staged;
  assert.deepEqual(await execution.ended, { ok: true });
  assert.deepEqual(order, ['staged', 'ended']);
});

test('many staged calls are delivered in program order, batched (at most 256 per batch)', async (t) => {
  const host = new RecordingHost();
  const { end } = await run(t, 'for i = 1, 600 do context:call("DAC1:1.SET_VOLTAGE", (i % 10) / 10) end', host);
  assert.deepEqual(end, { ok: true });
  const batches = host.events.filter((e) => e.type === 'call').map((e) => (e.type === 'call' ? e.calls.length : 0));
  // Batches also close after 2 ms, so their sizes depend on speed; but they are batches.
  assert.ok(batches.every((n) => n <= 256), String(batches));
  assert.ok(batches.length <= 60, `${batches.length} batches for 600 calls`);
  assert.deepEqual(host.calls.map((c) => c.index), Array.from({ length: 600 }, (_, i) => i));
});

test('cancel stops a runaway `while true do end` within 100 ms', async (t) => {
  const runner = runnerFor(t);
  const host = new RecordingHost();
  let canceledAt = 0;
  const looping = new Promise<void>((resolve) => {
    host.log = () => resolve();
  });
  const execution = runner.run({ source: 'context:log("looping")\nwhile true do end', chunkName: 'test.lua', mode: 'staged', instruments }, host);
  await looping;
  canceledAt = performance.now();
  execution.cancel();
  const end = await execution.ended;
  const tookMs = performance.now() - canceledAt;
  assert.deepEqual(end, { ok: false, error: 'canceled' });
  assert.ok(tookMs < 100, `cancel took ${tookMs.toFixed(1)} ms`);
  t.diagnostic(`cancel → ended in ${tookMs.toFixed(2)} ms`);
  // The runner stays usable: the terminated thread is replaced.
  const next = runner.run({ source: 'context:call("DAC1.RESET")', chunkName: 'next.lua', mode: 'staged', instruments }, new RecordingHost());
  assert.deepEqual(await next.ended, { ok: true });
});

test('cancel also stops a script blocked in a wait', async (t) => {
  const runner = runnerFor(t);
  const host = new RecordingHost();
  host.hold();
  const execution = runner.run({ source: 'context:call("DMM1.MEASURE_CURRENT"):wait()', chunkName: 'test.lua', mode: 'staged', instruments }, host);
  await execution.staged;
  execution.cancel('job canceled by user');
  assert.deepEqual(await execution.ended, { ok: false, error: 'job canceled by user' });
  host.release(); // a late answer is ignored
});

test('a script over its time limit is stopped with a clear error', async (t) => {
  const { end } = await run(t, 'while true do end', new RecordingHost(), { timeLimitMs: 200 });
  assert.deepEqual(end, { ok: false, error: 'script exceeded its time limit of 200 ms' });
});

test('a script over its memory limit is stopped with a clear error', async (t) => {
  const { end } = await run(t, 'local t = {}\nfor i = 1, 1e8 do t[i] = string.rep("x", 64) .. i end', new RecordingHost(), { memoryLimitBytes: 8 * 1024 * 1024 });
  assert.deepEqual({ ok: end.ok, error: end.error }, { ok: false, error: 'script exceeded its memory limit of 8 MiB' });
});

test('require loads a module beside the script and from library folders; errors inside name the module file', async (t) => {
  const dir = tempDir(t);
  const lib = join(dir, 'lib');
  mkdirSync(join(dir, 'scripts', 'helpers'), { recursive: true });
  mkdirSync(lib);
  writeFileSync(join(dir, 'scripts', 'sweep.lua'), 'return { points = function(n) local t = {} for i = 1, n do t[i] = i / n end return t end }');
  writeFileSync(join(dir, 'scripts', 'helpers', 'init.lua'), 'return { fail = function() error("helper failed") end }');
  writeFileSync(join(lib, 'units.lua'), 'return { mV = 1e-3 }');
  const host = new RecordingHost();
  const runner = runnerFor(t, { libraryPaths: [lib] });
  const execution = runner.run({
    source: 'local sweep = require("sweep")\nlocal units = require("units")\nfor _, v in ipairs(sweep.points(2)) do context:call("DAC1:1.SET_VOLTAGE", v * units.mV) end\nrequire("helpers").fail()',
    chunkName: 'main.lua', scriptDir: join(dir, 'scripts'), mode: 'staged', instruments,
  }, host);
  const end = await execution.ended;
  assert.equal(end.error, 'helpers/init.lua:1: helper failed');
  assert.deepEqual(host.calls.map((c) => c.params.voltage), [0.5e-3, 1e-3]);
});

test('require refuses "..", absolute paths and modules that lead outside the allowed folders', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'scripts'));
  writeFileSync(join(dir, 'secret.lua'), 'return "secret"');
  symlinkSync(join(dir, 'secret.lua'), join(dir, 'scripts', 'link.lua'));
  const host = new RecordingHost();
  const runner = runnerFor(t);
  const execution = runner.run({
    source: [
      'local ok, err = pcall(require, "../secret") print(err)',
      'ok, err = pcall(require, "/etc/passwd") print(err)',
      'ok, err = pcall(require, "link") print(err)',
      'ok, err = pcall(require, "missing") print(err)',
    ].join('\n'),
    chunkName: 'main.lua', scriptDir: join(dir, 'scripts'), mode: 'staged', instruments,
  }, host);
  assert.deepEqual(await execution.ended, { ok: true });
  const [dots, absolute, link, missing] = host.logs.map((l) => l.message);
  assert.match(dots!, /module name "\.\.\/secret" is not allowed/);
  assert.match(absolute!, /module name "\/etc\/passwd" is not allowed/);
  assert.match(link!, /outside the script's folder and the library folders/);
  assert.match(missing!, /module 'missing' not found:/);
  assert.match(missing!, /no file '.*scripts\/missing\.lua'/);
});

test('the sandbox has no os.execute, io.popen, file access, dofile, loadfile, binary chunks or debug', async (t) => {
  const host = new RecordingHost();
  const { end } = await run(t, `
    assert(os.execute == nil and os.exit == nil and os.remove == nil and os.rename == nil and os.tmpname == nil and os.getenv == nil)
    assert(io.popen == nil and io.open == nil and io.lines == nil and io.output == nil and io.read == nil)
    assert(dofile == nil and loadfile == nil and string.dump == nil and package.loadlib == nil)
    assert(debug.getinfo == nil and debug.sethook == nil and type(debug.traceback) == "function")
    assert(require("io").popen == nil and require("os").execute == nil and require("debug").getinfo == nil)
    local f, err = load("\\27Lua binary")
    assert(f == nil and err:find("binary"), err)
    assert(load("return 1 + 1")() == 2)
    assert(type(os.time()) == "number" and type(os.clock()) == "number")
    io.write("via io.write\\n")
  `, host);
  assert.deepEqual(end, { ok: true });
  assert.deepEqual(host.logs.map((l) => l.message), ['via io.write']);
});

test('print and context:log go to the host log with timestamps', async (t) => {
  const host = new RecordingHost();
  const before = Date.now();
  const { end } = await run(t, 'print("a", 1, nil, true)\ncontext:log("sweep", 3)', host);
  assert.deepEqual(end, { ok: true });
  assert.deepEqual(host.logs.map(({ level, message }) => ({ level, message })), [
    { level: 'print', message: 'a\t1\tnil\ttrue' },
    { level: 'info', message: 'sweep 3' },
  ]);
  for (const line of host.logs) assert.ok(line.at_ms >= before && line.at_ms <= Date.now());
});

test('calling context methods with a dot instead of a colon is a clear error', async (t) => {
  const { end } = await run(t, '\ncontext.call("DAC1.RESET")', new RecordingHost());
  assert.equal(end.error, 'test.lua:2: context.call must be called with a colon: context:call(...)');
});

test('checkSyntax answers null for a valid script and file:line: message otherwise', async (t) => {
  const runner = runnerFor(t);
  assert.equal(await runner.checkSyntax('context:call("DAC1.RESET")', 'ok.lua'), null);
  assert.equal(await runner.checkSyntax('x = = 1', 'bad.lua'), "bad.lua:1: unexpected symbol near '='");
});

test('a thread is reused for the next script, which starts from a clean Lua state', async (t) => {
  const runner = runnerFor(t);
  const first = runner.run({ source: 'leftover = 1', chunkName: 'a.lua', mode: 'staged', instruments }, new RecordingHost());
  assert.deepEqual(await first.ended, { ok: true });
  const host = new RecordingHost();
  const second = runner.run({ source: 'print(leftover)', chunkName: 'b.lua', mode: 'staged', instruments }, host);
  assert.deepEqual(await second.ended, { ok: true });
  assert.equal(host.logs[0]!.message, 'nil');
});

test('coroutine.yield inside a parallel block is an error and the block is still closed', async (t) => {
  const host = new RecordingHost();
  const { end } = await run(t, [
    'local co = coroutine.wrap(function()',
    '  context:parallel(function() context:call("DAC1.RESET") coroutine.yield() end)',
    'end)',
    'co()',
  ].join('\n'), host);
  // coroutine.wrap adds the position where the coroutine was resumed (standard Lua 5.4).
  assert.equal(end.error, 'test.lua:4: test.lua:2: coroutine.yield inside a context:parallel block is not allowed');
  assert.deepEqual(host.trace(), ['parallelBegin', 'call 0', 'parallelEnd']);
});

test('context:call works inside coroutines', async (t) => {
  const host = new RecordingHost((c) => ({ type: 'double', value: c.index }));
  const { end } = await run(t, `
    local gen = coroutine.wrap(function()
      for i = 1, 3 do coroutine.yield(context:call("DMM1.MEASURE_CURRENT")) end
    end)
    assert(gen() == 0 and gen() == 1 and gen() == 2)
    assert(coroutine.wrap(function() return context:call("DMM1.MEASURE_CURRENT") end)() == 3)
    assert(coroutine.wrap(function() return context:call("NOPE.X") end)() == nil)
  `, host, { mode: 'interactive' });
  assert.deepEqual(end, { ok: true });
});

test('the example lab scripts run against the example instruments', async (t) => {
  const { loadInstrument } = await import('../config/index.js');
  const lab = new URL('../../examples/lab/', import.meta.url).pathname;
  const labInstruments = new Map(['dac1.yaml', 'dmm1.yaml', 'scope1.yaml'].map((f) => loadInstrument(join(lab, 'configs', f))).map((i) => [i.config.name, i]));
  const { readFileSync, readdirSync } = await import('node:fs');
  const runner = runnerFor(t);
  for (const file of readdirSync(join(lab, 'scripts')).filter((f) => f.endsWith('.lua'))) {
    const host = new RecordingHost((c) => {
      const spec = labInstruments.get(c.instrument)!.api.commands[c.verb]!;
      switch (spec.returns) {
        case 'void': return { type: 'void' };
        case 'array': return { type: 'buffer', buffer_id: 'b1', element_count: 1000, data_type: 'float64' };
        case 'string': return { type: 'string', value: 'x' };
        case 'bool': return { type: 'bool', value: true };
        case 'int64': return { type: 'int64', value: 1 };
        default: return { type: 'double', value: 0.5 };
      }
    });
    const path = join(lab, 'scripts', file);
    const execution = runner.run({ source: readFileSync(path, 'utf8'), chunkName: path, scriptDir: join(lab, 'scripts'), mode: 'interactive', instruments: labInstruments }, host);
    assert.deepEqual(await execution.ended, { ok: true }, file);
    assert.deepEqual(host.rejections, [], file);
    assert.ok(host.calls.length > 0, file);
  }
});

test('array values arrive as floats; buffers of an integer type arrive as integers', async (t) => {
  const host = new RecordingHost(
    (c) => (c.verb === 'GET_TRACE' ? { type: 'array', value: [1, 2.5] } : { type: 'buffer', buffer_id: 'counts', element_count: 2, data_type: 'int32' }),
    { counts: [3, 4] },
  );
  const { end } = await run(t, `
    local trace = context:call("DMM1.GET_TRACE")
    assert(math.type(trace[1]) == "float" and trace[2] == 2.5)
    local counts = context:call("SCOPE1:2.GET_WAVEFORM"):values()
    assert(math.type(counts[1]) == "integer" and counts[2] == 4)
  `, host, { mode: 'interactive' });
  assert.deepEqual(end, { ok: true });
});

test('a script host that throws stops the script with the reason', async (t) => {
  const host = new RecordingHost();
  host.call = () => {
    throw new Error('instrument DAC1 is not started');
  };
  const { end } = await run(t, 'context:call("DAC1.RESET")\nwhile true do end', host, { timeLimitMs: 10_000 });
  assert.deepEqual(end, { ok: false, error: 'the script host failed: instrument DAC1 is not started' });
});

test('closing the runner cancels the scripts still running', async () => {
  const runner = new ScriptRunner({ poolSize: 1 });
  const host = new RecordingHost();
  const started = new Promise<void>((resolve) => (host.log = () => resolve()));
  const execution = runner.run({ source: 'print("go")\nwhile true do end', chunkName: 'test.lua', mode: 'staged', instruments }, host);
  await started;
  await runner.close();
  assert.deepEqual(await execution.ended, { ok: false, error: 'the script runner was closed' });
});

test('calls issued before a long computation are delivered while the script still computes', async (t) => {
  const runner = runnerFor(t);
  const host = new RecordingHost();
  const delivered = new Promise<void>((resolve) => {
    const call = host.call.bind(host);
    host.call = (calls) => {
      call(calls);
      resolve();
    };
  });
  const execution = runner.run({ source: 'context:call("DAC1.RESET")\nwhile true do end', chunkName: 'test.lua', mode: 'staged', instruments, timeLimitMs: 10_000 }, host);
  await delivered;
  execution.cancel();
  assert.deepEqual(await execution.ended, { ok: false, error: 'canceled' });
  assert.deepEqual(host.trace(), ['call 0']);
});

test('a script file with a byte order mark or a #! line runs, with line numbers unchanged', async (t) => {
  const { end } = await run(t, '\uFEFF#!/usr/bin/env instrument-server\ncontext:call("DAC1.RESET")\nerror("line 3")', new RecordingHost());
  assert.equal(end.error, 'test.lua:3: line 3');
});

test('a script canceled before its thread was ready leaves the thread usable', async (t) => {
  const runner = runnerFor(t);
  const first = runner.run({ source: 'context:call("DAC1.RESET")', chunkName: 'a.lua', mode: 'staged', instruments }, new RecordingHost());
  first.cancel('changed my mind');
  assert.deepEqual(await first.ended, { ok: false, error: 'changed my mind' });
  const host = new RecordingHost();
  const second = runner.run({ source: 'context:call("DAC1.RESET")', chunkName: 'b.lua', mode: 'staged', instruments }, host);
  assert.deepEqual(await second.ended, { ok: true });
  assert.equal(host.calls.length, 1);
});
