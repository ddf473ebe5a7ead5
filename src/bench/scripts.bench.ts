// Lua scripts through the scheduler to simulated instruments in worker processes (issue 3):
// - interactive context:call cycle, Lua → worker process → simulator → Lua (target ≤ 3× bare);
// - a staged script of 1,000 calls on one instrument, commands/s (target ≥ 40,000/s);
// - a parallel block over 10 instruments: barrier overhead beyond the slowest command
//   (target ≤ 2 bare round trips).
// A call's cycle is measured where it cannot be faked: the time between the starts of two
// consecutive commands at the worker, in a script that issues the next call only when the
// previous value is back in Lua.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InstrumentServer } from '../server/instrument-server.js';
import type { CommandRecord } from '../results/types.js';
import { bareRoundTrips, line, stats, us } from './figures.js';

const labApis = resolve(dirname(fileURLToPath(import.meta.url)), '../../examples/lab/apis');
const INTERACTIVE_CALLS = 3000;
const STAGED_CALLS = 1000;
const STAGED_RUNS = 7;
const PARALLEL_ROUNDS = 300;
const PARALLEL_INSTRUMENTS = 10;

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'instrument-server-bench-'));
  const config = (name: string, api: string) =>
    writeFileSync(join(dir, `${name}.yaml`), `name: ${name}\napi_ref: ${join(labApis, `${api}.yaml`)}\nconnection: { type: VISA, address: "sim://${name}" }\n`);
  config('DMM1', 'dmm');
  for (let i = 1; i <= PARALLEL_INSTRUMENTS; i++) config(`DAC${i}`, 'dac');
  const server = await InstrumentServer.start({ cwd: dir });
  try {
    await Promise.all(['DMM1', ...Array.from({ length: PARALLEL_INSTRUMENTS }, (_, i) => `DAC${i + 1}`)].map((n) => server.startInstrument(`${n}.yaml`)));
    const bare = await bareRoundTrips();
    line('bare child-process JSON round trip (median)', us(bare.median), 'the floor');

    // Interactive cycle.
    await server.runMeasure({ script: 'for i = 1, 200 do context:call("DMM1.GET_RANGE") end', mode: 'interactive' });
    const interactive = await server.runMeasure({ script: `for i = 1, ${INTERACTIVE_CALLS} do context:call("DMM1.GET_RANGE") end`, mode: 'interactive' });
    const starts = interactive.results.map((r) => r.started_at!);
    const cycles = starts.slice(1).map((t, i) => t - starts[i]!);
    const cycle = stats(cycles, starts.at(-1)! - starts[0]!);
    line('interactive context:call cycle, median', us(cycle.median), `≤ 3× bare = ${us(3 * bare.median)}`, cycle.median <= 3 * bare.median);
    line('interactive context:call cycle, p99', us(cycle.p99), '');
    line('interactive calls/s', cycle.perSecond.toFixed(0), '');

    // Staged throughput, job submission to last command finished.
    const rates: number[] = [];
    for (let i = 0; i < STAGED_RUNS; i++) {
      const started = performance.now();
      const result = await server.runMeasure({ script: `for i = 1, ${STAGED_CALLS} do context:call("DMM1.SET_RANGE", i) end` });
      const elapsed = performance.now() - started;
      if (result.status !== 'success' || result.results.length !== STAGED_CALLS) throw new Error(`staged run failed: ${result.error}`);
      rates.push((STAGED_CALLS / elapsed) * 1000);
    }
    const rate = median(rates);
    line(`staged script, ${STAGED_CALLS} calls on one instrument`, `${rate.toFixed(0)}/s`, '≥ 40,000 commands/s', rate >= 40_000);

    // Barrier overhead: the gap between the last command of a block finishing and the next command starting.
    const block = Array.from({ length: PARALLEL_INSTRUMENTS }, (_, i) => `context:call("DAC${i + 1}:1.SET_VOLTAGE", 0.1)`).join('\n');
    const parallel = await server.runMeasure({
      script: `for round = 1, ${PARALLEL_ROUNDS} do\n context:parallel(function()\n${block}\n end)\n context:call("DMM1.GET_RANGE")\nend`,
    });
    if (parallel.status !== 'success') throw new Error(`parallel run failed: ${parallel.error}`);
    const gaps: number[] = [];
    const records: CommandRecord[] = parallel.results;
    for (let r = 0; r < PARALLEL_ROUNDS; r++) {
      const inside = records.slice(r * (PARALLEL_INSTRUMENTS + 1), r * (PARALLEL_INSTRUMENTS + 1) + PARALLEL_INSTRUMENTS);
      const next = records[r * (PARALLEL_INSTRUMENTS + 1) + PARALLEL_INSTRUMENTS]!;
      gaps.push(next.started_at! - Math.max(...inside.map((c) => c.finished_at!)));
    }
    const gap = stats(gaps.slice(10), 1);
    line(`barrier overhead, ${PARALLEL_INSTRUMENTS} instruments (median)`, us(gap.median), `≤ 2 bare round trips = ${us(2 * bare.median)}`, gap.median <= 2 * bare.median);
    line('barrier overhead p99', us(gap.p99), '');
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
