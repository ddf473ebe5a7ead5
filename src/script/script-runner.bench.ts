// Micro-benchmark of the Lua runtime alone, run by hand (not a test):
//   npx tsc -p tsconfig.json && node scripts/copy-assets.mjs && node dist/script/script-runner.bench.js
// Staged: a script of 1,000 calls, from run() to `ended`, host answering in memory.
// Interactive: the round trip of one context:call through the blocking wait (Lua → main → Lua).
import { join } from 'node:path';
import { loadInstrument } from '../config/index.js';
import type { LoadedInstrument } from '../config/types.js';
import { ScriptRunner } from './script-runner.js';
import { RecordingHost } from './test-fixtures.js';

const lab = new URL('../../examples/lab/configs/', import.meta.url).pathname;
const instruments = new Map<string, LoadedInstrument>(
  ['dac1.yaml', 'dmm1.yaml', 'scope1.yaml'].map((f) => loadInstrument(join(lab, f))).map((i) => [i.config.name, i]),
);

const runner = new ScriptRunner({ poolSize: 1 });
const STAGED = 'for i = 1, 1000 do context:call("DAC1:1.SET_VOLTAGE", (i % 100) / 100) end';
const INTERACTIVE = 'for i = 1, 2000 do context:call("DMM1.MEASURE_CURRENT") end';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function staged(): Promise<{ totalMs: number; luaMs: number }> {
  const host = new RecordingHost();
  let firstBatchAt = 0;
  const call = host.call.bind(host);
  host.call = (calls) => {
    if (firstBatchAt === 0) firstBatchAt = performance.now();
    call(calls);
  };
  const start = performance.now();
  const execution = runner.run({ source: STAGED, chunkName: 'bench.lua', mode: 'staged', instruments }, host);
  const end = await execution.ended;
  const done = performance.now();
  if (!end.ok || host.calls.length !== 1000) throw new Error(`staged run failed: ${end.error}`);
  return { totalMs: done - start, luaMs: done - firstBatchAt };
}

async function interactive(): Promise<number> {
  const host = new RecordingHost(() => ({ type: 'double', value: 1e-6 }));
  const start = performance.now();
  const end = await runner.run({ source: INTERACTIVE, chunkName: 'bench.lua', mode: 'interactive', instruments }, host).ended;
  if (!end.ok) throw new Error(`interactive run failed: ${end.error}`);
  return ((performance.now() - start) * 1000) / 2000;
}

await runner.warmUp();
const stagedRuns: Array<{ totalMs: number; luaMs: number }> = [];
for (let i = 0; i < 25; i++) stagedRuns.push(await staged());
const measured = stagedRuns.slice(5);
console.log(`staged script, 1,000 calls, first run on a started but unused thread: ${stagedRuns[0]!.totalMs.toFixed(2)} ms`);
console.log(`staged script, 1,000 calls: median ${median(measured.map((r) => r.totalMs)).toFixed(2)} ms from run() to ended ` +
  `(${median(measured.map((r) => r.luaMs)).toFixed(2)} ms from the first delivered batch to ended), ` +
  `best ${Math.min(...measured.map((r) => r.totalMs)).toFixed(2)} ms`);
const rounds: number[] = [];
for (let i = 0; i < 6; i++) rounds.push(await interactive());
console.log(`interactive context:call round trip (in-memory host): median ${median(rounds.slice(1)).toFixed(1)} µs per call`);
await runner.close();
