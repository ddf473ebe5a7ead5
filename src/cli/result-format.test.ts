// The text form of results the CLI prints (`measure`, `jobs result`): records as a daemon
// records them for the lab instruments, log lines from context:log and print.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CommandRecord, JobResult } from '../results/types.js';
import { formatRecord, formatResult } from './result-format.js';

const T0 = 1_796_318_280_480;

function record(fields: Partial<CommandRecord> & Pick<CommandRecord, 'index' | 'instrument' | 'verb'>): CommandRecord {
  return { params: {}, ...fields };
}

test('arguments print as values (the original CLI format); the channel stays in the target only', () => {
  const line = formatRecord(
    record({ index: 0, instrument: 'DAC1:1', verb: 'SET_VOLTAGE', params: { channel: 1, voltage: 0.5 }, started_at: T0 + 3.5, executed_at_ms: T0 + 3, return: { type: 'void' } }),
  );
  assert.equal(line, '[0] DAC1:1.SET_VOLTAGE(0.5) -> [void]');
});

test('named parameters print in the order they were bound (the declared order), whatever order the table had', () => {
  const line = formatRecord(record({ index: 3, instrument: 'SMU1', verb: 'CONFIGURE', params: { compliance: 0.001, mode: 'CURR', range: 10 }, return: { type: 'void' } }));
  assert.equal(line, '[3] SMU1.CONFIGURE(0.001, "CURR", 10) -> [void]');
});

test('strings are quoted, arrays are counted, objects print as compact JSON, nil as nil', () => {
  const line = formatRecord(
    record({
      index: 8,
      instrument: 'DMM1',
      verb: 'SET_RANGE',
      params: { range: { a: 1, b: [2, 3] }, label: 'gate "A"', points: [0.1, 0.2, 0.3], auto: false, missing: null } as unknown as CommandRecord['params'],
      error: '/tmp/sweep.lua:9: Instrument DMM1: command SET_RANGE: parameter range must be a number, got a table/object',
    }),
  );
  assert.equal(
    line,
    '[8] DMM1.SET_RANGE({"a":1,"b":[2,3]}, "gate \\"A\\"", [3 values], false, nil) -> ERROR: /tmp/sweep.lua:9: Instrument DMM1: command SET_RANGE: parameter range must be a number, got a table/object',
  );
  assert.doesNotMatch(line, /\[object Object\]/);
});

test('positional arguments of a call whose parameters are unknown print as values', () => {
  const line = formatRecord(record({ index: 2, instrument: 'NOPE1', verb: 'SET', params: { '#1': 1, '#2': 'x' }, error: 'unknown instrument NOPE1 (started: DAC1, DMM1)' }));
  assert.equal(line, '[2] NOPE1.SET(1, "x") -> ERROR: unknown instrument NOPE1 (started: DAC1, DMM1)');
});

test('a call rejected before it had a target prints <unknown target>, not ".()"', () => {
  const noTarget = formatRecord(record({ index: 0, instrument: '', verb: '', error: 'bad command target: expected a string' }));
  assert.equal(noTarget, '[0] <unknown target> -> ERROR: bad command target: expected a string');
  const badText = formatRecord(
    record({ index: 7, instrument: 'nonsense', verb: '', params: { '#1': 2 }, started_at: T0 + 18, error: '/tmp/sweep.lua:8: bad command target "nonsense": expected "INST.VERB" or "INST:CH.VERB"' }),
  );
  assert.equal(badText, '[7] <unknown target "nonsense">(2) -> ERROR: /tmp/sweep.lua:8: bad command target "nonsense": expected "INST.VERB" or "INST:CH.VERB"');
});

test("an IV sweep's prints sit next to the readings they were printed after", () => {
  const result: JobResult = {
    status: 'success',
    script: '/lab/iv_sweep.lua',
    results: [
      record({ index: 0, instrument: 'DAC1:1', verb: 'SET_VOLTAGE', params: { channel: 1, voltage: 0 }, started_at: T0 + 3.5, return: { type: 'void' } }),
      record({ index: 1, instrument: 'DMM1', verb: 'MEASURE_CURRENT', started_at: T0 + 6.7, return: { type: 'double', value: 1e-6 } }),
      record({ index: 2, instrument: 'DAC1:1', verb: 'SET_VOLTAGE', params: { channel: 1, voltage: 0.1 }, started_at: T0 + 10.6, return: { type: 'void' } }),
      // Printed in the same millisecond as this reading started: the print stays after it.
      record({ index: 3, instrument: 'DMM1', verb: 'MEASURE_CURRENT', started_at: T0 + 12.2, return: { type: 'double', value: 2e-6 } }),
    ],
    log: [
      { at_ms: T0, level: 'info', message: 'IV sweep on DAC1:1 / DMM1' },
      { at_ms: T0 + 9, level: 'print', message: 'step\t0\t1e-06' },
      { at_ms: T0 + 12, level: 'print', message: 'step\t1\t2e-06' },
      { at_ms: T0 + 13, level: 'info', message: '2 points taken' },
    ],
  };
  assert.deepEqual(formatResult(result).split('\n'), [
    '# info: IV sweep on DAC1:1 / DMM1',
    '[0] DAC1:1.SET_VOLTAGE(0) -> [void]',
    '[1] DMM1.MEASURE_CURRENT() -> [double] 0.000001',
    '# step\t0\t1e-06',
    '[2] DAC1:1.SET_VOLTAGE(0.1) -> [void]',
    '[3] DMM1.MEASURE_CURRENT() -> [double] 0.000002',
    '# step\t1\t2e-06',
    '# info: 2 points taken',
    '/lab/iv_sweep.lua: success, 4 commands',
  ]);
});

test('records without started_at keep their place by index among the log lines', () => {
  const result: JobResult = {
    status: 'success',
    script: '<inline>',
    results: [
      record({ index: 0, instrument: 'DAC1:1', verb: 'SET_VOLTAGE', params: { channel: 1, voltage: 1 }, started_at: T0 + 5, return: { type: 'void' } }),
      record({ index: 1, instrument: 'DMM1', verb: 'MEASURE_VOLTAGE', error: 'Instrument DMM1: worker exited (code 1) before answering' }),
      record({ index: 2, instrument: 'DMM1', verb: 'MEASURE_VOLTAGE', started_at: T0 + 50, return: { type: 'double', value: 0.25 } }),
    ],
    log: [{ at_ms: T0 + 20, level: 'warn', message: 'retrying' }],
  };
  assert.deepEqual(formatResult(result).split('\n'), [
    '[0] DAC1:1.SET_VOLTAGE(1) -> [void]',
    '[1] DMM1.MEASURE_VOLTAGE() -> ERROR: Instrument DMM1: worker exited (code 1) before answering',
    '# warn: retrying',
    '[2] DMM1.MEASURE_VOLTAGE() -> [double] 0.25',
    '<inline>: success, 3 commands, 1 failed',
  ]);
});

test('the last line says when the job failed, and when the results are not final', () => {
  const results = [record({ index: 0, instrument: 'DMM1', verb: 'SET_RANGE', params: { range: 1 }, started_at: T0, return: { type: 'void' } })];
  const failed = formatResult({ status: 'error', script: 'loop.lua', results, log: [], error: 'canceled by request' });
  assert.equal(failed.split('\n').at(-1), 'loop.lua: error: canceled by request (1 command)');
  const running = formatResult({ script: 'loop.lua', results, log: [] });
  assert.equal(running.split('\n').at(-1), 'loop.lua: not finished, 1 command so far');
});
