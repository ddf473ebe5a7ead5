// The ordering rules of SPEC part 10, checked on the scheduler alone. Instruments here are
// in-process targets whose commands the test completes by hand, so every interleaving is
// chosen by the test (the same rules are checked end to end with real workers in
// server/ordering.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CommandOutcome } from '../instruments/instrument.js';
import { MemoryBufferStore } from '../results/buffer-store.js';
import type { LaneCommand } from './instrument-lane.js';
import { Scheduler } from './scheduler.js';
import type { ScriptCall } from '../script/index.js';

/** An instrument whose commands complete only when the test says so. */
class HandDrivenInstrument {
  readonly sent: string[] = [];
  private readonly open: Array<{ label: string; resolve: (outcome: CommandOutcome) => void }> = [];
  constructor(readonly name: string, readonly log: string[]) {}

  execute(command: LaneCommand): Promise<CommandOutcome> {
    const label = `${this.name}.${command.verb}${command.params.n ?? ''}`;
    this.sent.push(label);
    this.log.push(`sent ${label}`);
    return new Promise((resolve) => this.open.push({ label, resolve }));
  }

  /** Completes the oldest command in flight (workers are FIFO). */
  completeNext(value = 1): void {
    const next = this.open.shift();
    assert.ok(next, `${this.name} has no command in flight`);
    this.log.push(`done ${next.label}`);
    const now = Date.now();
    next.resolve({ ok: true, value: { type: 'double', value }, startedAt: now, finishedAt: now });
  }

  get inFlight(): number {
    return this.open.length;
  }
}

function rig(names: string[]) {
  const log: string[] = [];
  const instruments = new Map(names.map((n) => [n, new HandDrivenInstrument(n, log)]));
  const scheduler = new Scheduler({ target: (name) => instruments.get(name), buffers: new MemoryBufferStore() });
  return { log, instruments, scheduler, get: (n: string) => instruments.get(n)! };
}

let nextIndex = 0;
function call(instrument: string, verb: string, n?: number): ScriptCall {
  return { index: nextIndex++, instrument, verb, params: n === undefined ? {} : { n } };
}

/** Lets promise callbacks (the lanes' settle path) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

test('consecutive commands for one instrument are pipelined without waiting for each other', async () => {
  const { scheduler, get } = rig(['DAC1']);
  const seq = scheduler.sequencer('job_a');
  seq.call([call('DAC1', 'SET', 1), call('DAC1', 'SET', 2), call('DAC1', 'SET', 3)]);
  assert.deepEqual(get('DAC1').sent, ['DAC1.SET1', 'DAC1.SET2', 'DAC1.SET3']);
});

test('a command for another instrument waits until every earlier command of the job completed', async () => {
  const { scheduler, get, log } = rig(['DAC1', 'DMM1']);
  const seq = scheduler.sequencer('job_b');
  seq.call([call('DAC1', 'SET', 1), call('DAC1', 'SET', 2), call('DMM1', 'MEASURE'), call('DAC1', 'SET', 3)]);
  assert.deepEqual(get('DMM1').sent, [], 'MEASURE must not be sent while the SETs run');
  get('DAC1').completeNext();
  await settle();
  assert.deepEqual(get('DMM1').sent, []);
  get('DAC1').completeNext();
  await settle();
  assert.deepEqual(get('DMM1').sent, ['DMM1.MEASURE']);
  assert.equal(get('DAC1').sent.length, 2, 'SET3 waits for the MEASURE written above it');
  get('DMM1').completeNext();
  await settle();
  assert.deepEqual(get('DAC1').sent, ['DAC1.SET1', 'DAC1.SET2', 'DAC1.SET3']);
  assert.deepEqual(log.slice(0, 6), ['sent DAC1.SET1', 'sent DAC1.SET2', 'done DAC1.SET1', 'done DAC1.SET2', 'sent DMM1.MEASURE', 'done DMM1.MEASURE']);
});

test('a parallel block issues all its commands at once and the next command waits for all of them', async () => {
  const { scheduler, get } = rig(['DAC1', 'DAC2', 'DMM1']);
  const seq = scheduler.sequencer('job_c');
  seq.parallelBegin();
  seq.call([call('DAC1', 'SET', 1), call('DAC2', 'SET', 2), call('DAC1', 'SET', 3)]);
  seq.parallelEnd();
  seq.call([call('DMM1', 'MEASURE')]);
  assert.deepEqual(get('DAC1').sent, ['DAC1.SET1', 'DAC1.SET3']);
  assert.deepEqual(get('DAC2').sent, ['DAC2.SET2']);
  get('DAC1').completeNext();
  get('DAC1').completeNext();
  await settle();
  assert.deepEqual(get('DMM1').sent, [], 'the barrier holds while DAC2 is still busy');
  get('DAC2').completeNext();
  await settle();
  assert.deepEqual(get('DMM1').sent, ['DMM1.MEASURE']);
});

test('a parallel block waits for the commands before it', async () => {
  const { scheduler, get } = rig(['DAC1', 'DAC2']);
  const seq = scheduler.sequencer('job_d');
  seq.call([call('DAC1', 'SET', 0)]);
  seq.parallelBegin();
  seq.call([call('DAC1', 'SET', 1), call('DAC2', 'SET', 2)]);
  seq.parallelEnd();
  assert.deepEqual(get('DAC2').sent, []);
  assert.deepEqual(get('DAC1').sent, ['DAC1.SET0']);
  get('DAC1').completeNext();
  await settle();
  assert.deepEqual(get('DAC1').sent, ['DAC1.SET0', 'DAC1.SET1']);
  assert.deepEqual(get('DAC2').sent, ['DAC2.SET2']);
});

test('each instrument executes the commands of two jobs in admission order; jobs on other instruments overlap', async () => {
  const { scheduler, get } = rig(['DAC1', 'DMM1', 'SCOPE1']);
  const a = scheduler.sequencer('job_a');
  const b = scheduler.sequencer('job_b');
  const c = scheduler.sequencer('job_c');
  a.call([call('DAC1', 'SET', 1), call('DMM1', 'MEASURE', 1)]);
  b.call([call('DMM1', 'MEASURE', 2)]);
  c.call([call('SCOPE1', 'ACQUIRE')]);
  assert.deepEqual(get('SCOPE1').sent, ['SCOPE1.ACQUIRE'], 'a job on another instrument runs at once');
  assert.deepEqual(get('DMM1').sent, [], "job b's MEASURE queues behind job a's, which waits for its SET");
  get('DAC1').completeNext();
  await settle();
  assert.deepEqual(get('DMM1').sent, ['DMM1.MEASURE1', 'DMM1.MEASURE2']);
});

test('wait resolves with the value once that call completed; barrier once all did', async () => {
  const { scheduler, get } = rig(['DMM1']);
  const seq = scheduler.sequencer('job_e');
  const first = call('DMM1', 'MEASURE', 1);
  seq.call([first, call('DMM1', 'MEASURE', 2)]);
  let barrierDone = false;
  const barrier = seq.barrier().then(() => (barrierDone = true));
  get('DMM1').completeNext(42);
  assert.deepEqual(await seq.wait(first.index), { ok: true, value: { type: 'double', value: 42 } });
  assert.equal(barrierDone, false);
  get('DMM1').completeNext(43);
  await barrier;
  assert.equal(seq.results.length, 2);
});

test('cancel drops commands not yet sent and keeps those already at the instrument', async () => {
  const { scheduler, get } = rig(['DAC1', 'DMM1']);
  const seq = scheduler.sequencer('job_f');
  seq.call([call('DAC1', 'SET', 1), call('DMM1', 'MEASURE'), call('DAC1', 'SET', 2)]);
  seq.cancel('canceled before it was sent: job canceled');
  get('DAC1').completeNext();
  await seq.barrier();
  const results = seq.results;
  assert.equal(results.length, 3);
  assert.equal(results[0]!.error, undefined);
  assert.match(results[1]!.error!, /canceled before it was sent/);
  assert.match(results[2]!.error!, /canceled before it was sent/);
  assert.deepEqual(get('DMM1').sent, []);
});

test('a call to an instrument that is not running is recorded as failed without blocking the job', async () => {
  const { scheduler, get } = rig(['DAC1']);
  const seq = scheduler.sequencer('job_g');
  const ghost = call('GHOST', 'SET', 1);
  seq.call([ghost, call('DAC1', 'SET', 2)]);
  assert.deepEqual(await seq.wait(ghost.index), { ok: false, error: 'Instrument GHOST is not running' });
  assert.deepEqual(get('DAC1').sent, ['DAC1.SET2']);
});

test('large arrays are recorded once as buffers and can be fetched by id', async () => {
  const buffers = new MemoryBufferStore();
  const scheduler = new Scheduler({
    buffers,
    target: () => ({
      execute: async () => ({ ok: true, value: { type: 'array', data: new Float64Array(1000).fill(0.5), dataType: 'float64' }, startedAt: 1, finishedAt: 2 }),
    }),
  });
  const seq = scheduler.sequencer('job_h');
  const wf = call('SCOPE1', 'GET_WAVEFORM');
  seq.call([wf]);
  const value = await seq.wait(wf.index);
  assert.ok(value.ok && value.value.type === 'buffer');
  assert.equal(value.value.element_count, 1000);
  assert.equal((await seq.fetchBuffer(value.value.buffer_id)).length, 1000);
});
