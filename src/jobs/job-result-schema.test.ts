import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import type { CommandRecord, JobResult } from '../results/types.js';
import { JobStore } from '../store/job-store.js';

const load = (name: string) => JSON.parse(readFileSync(new URL(`../../schemas/${name}`, import.meta.url), 'utf8')) as object;
const ajv = new Ajv({ allErrors: true, strict: true });
const validateResult = ajv.compile<JobResult>(load('job-result.schema.json'));

const base = { index: 0, instrument: 'DMM1', verb: 'MEASURE', params: {}, executed_at_ms: 1705401234789 };
function resultWith(...records: object[]): object {
  return { status: 'success', script: 'script.lua', results: records, log: [] };
}
function accepts(value: object): void {
  assert.ok(validateResult(value), ajv.errorsText(validateResult.errors));
}

describe('schemas/job-result.schema.json', () => {
  test('accepts the seed example of job_result', () => {
    accepts({
      status: 'success',
      script: 'script.lua',
      results: [{ index: 0, instrument: 'DMM1', verb: 'MEASURE', params: {}, executed_at_ms: 1705401234789, return: { type: 'double', value: 3.14159 } }],
    });
  });

  test('accepts every kind of return value, channels, timings, errors and log lines', () => {
    const records: CommandRecord[] = [
      { ...base, index: 0, instrument: 'DAC1:1', verb: 'SET_VOLTAGE', params: { voltage: 0.5, fast: true, mode: 'dc', steps: [1, 2] }, return: { type: 'void' } },
      { ...base, index: 1, return: { type: 'double', value: -1.5e-9 } },
      { ...base, index: 2, return: { type: 'int64', value: 42 } },
      { ...base, index: 3, verb: 'IDN', return: { type: 'string', value: 'KEITHLEY,2400' } },
      { ...base, index: 4, return: { type: 'bool', value: false } },
      { ...base, index: 5, return: { type: 'array', value: [0.1, 0.2] } },
      { ...base, index: 6, instrument: 'SCOPE1', verb: 'WAVEFORM', return: { type: 'buffer', buffer_id: 'buf_1', element_count: 100000, data_type: 'float32' } },
      { index: 7, instrument: 'DMM1', verb: 'MEASURE', params: {}, error: 'Instrument DMM1: command MEASURE timed out after 5000 ms' },
      { ...base, index: 8, started_at: 1, finished_at: 3, duration_ms: 2, return: { type: 'void' } },
    ];
    accepts({
      status: 'error',
      script: '<inline>',
      results: records,
      log: [
        { at_ms: 1, level: 'print', message: 'hello' },
        { at_ms: 2, level: 'error', message: 'script.lua:3: boom' },
      ],
      error: 'script.lua:3: boom',
    });
  });

  test('accepts what the job store gives back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'job-result-schema-'));
    const store = JobStore.open(dir);
    try {
      const job = store.insertJob({ type: 'measure', scriptPath: '/lab/iv.lua' });
      store.appendRecords(job.id, [{ ...base, return: { type: 'double', value: 1 } }]);
      store.appendLog(job.id, { at_ms: 5, level: 'info', message: 'x' });
      accepts(store.getResult(job.id)!);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('rejects malformed records', () => {
    const bad: [string, object][] = [
      ['status not success|error', { status: 'done', script: 's', results: [] }],
      ['missing index', resultWith({ instrument: 'DMM1', verb: 'MEASURE', params: {} })],
      ['negative index', resultWith({ ...base, index: -1 })],
      ['instrument name not in config form', resultWith({ ...base, instrument: 'dmm 1' })],
      ['unknown return type', resultWith({ ...base, return: { type: 'complex', value: 1 } })],
      ['double with text value', resultWith({ ...base, return: { type: 'double', value: '3.1' } })],
      ['int64 with fraction', resultWith({ ...base, return: { type: 'int64', value: 1.5 } })],
      ['buffer without id', resultWith({ ...base, return: { type: 'buffer', element_count: 3, data_type: 'float64' } })],
      ['buffer with unknown data type', resultWith({ ...base, return: { type: 'buffer', buffer_id: 'b', element_count: 3, data_type: 'float16' } })],
      ['void with a value', resultWith({ ...base, return: { type: 'void', value: 1 } })],
      ['param value an object', resultWith({ ...base, params: { range: { max: 1 } } })],
      ['log line with unknown level', { status: 'success', script: 's', results: [], log: [{ at_ms: 1, level: 'debug', message: 'x' }] }],
    ];
    for (const [why, value] of bad) assert.equal(validateResult(value), false, why);
  });
});

describe('schemas/rpc-request.schema.json', () => {
  test('describes the request envelope and both kinds of answer', () => {
    const schema = load('rpc-request.schema.json') as { definitions: { Answer: object } };
    const request = ajv.compile(schema);
    assert.ok(request({ command: 'submit_measure', params: { script_path: '/s.lua' } }));
    assert.ok(request({ command: 'job_list' }));
    assert.equal(request({ params: {} }), false);
    assert.equal(request({ command: 'x', params: [] }), false);
    const answer = ajv.compile(schema.definitions.Answer);
    assert.ok(answer({ ok: true, job_id: 'job_20260116_123456_a1b2c3' }));
    assert.ok(answer({ ok: false, error: 'no job job_x' }));
    assert.equal(answer({ ok: false }), false);
  });
});
