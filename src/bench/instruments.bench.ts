// Instrument round trips through a worker process with the simulator, beside the physical floor
// measured in the same run: a bare forked child echoing JSON messages over the same IPC channel.
// Figures: sequential round trip (median, p99, commands/s; target median ≤ 2× bare), pipelined
// commands/s with 1,000 in flight, and instrument start time spawn → ready (target < 150 ms).
import { Instrument } from '../instruments/instrument.js';
import { simInstrument } from '../test-support/sim-instrument.js';
import { bareRoundTrips, line, stats, us, type Stats } from './figures.js';

const SEQUENTIAL = 5000;
const WARM_UP = 500;
const PIPELINED = 100_000;
const IN_FLIGHT = 1000;
const STARTS = 10;
const PIPELINED_TARGET = 40_000;
const START_TARGET_MS = 150;

async function instrumentRoundTrips(instrument: Instrument): Promise<Stats> {
  for (let i = 0; i < WARM_UP; i++) await instrument.execute({ verb: 'MEASURE', params: {} });
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < SEQUENTIAL; i++) {
    const t = performance.now();
    const outcome = await instrument.execute({ verb: 'MEASURE', params: {} });
    samples.push(performance.now() - t);
    if (!outcome.ok) throw new Error(outcome.error);
  }
  return stats(samples, performance.now() - started);
}

async function pipelined(instrument: Instrument): Promise<number> {
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    let issued = 0;
    let done = 0;
    const issue = () => {
      issued++;
      void instrument.execute({ verb: 'SET_RANGE', params: { range: issued } }).then((outcome) => {
        if (!outcome.ok) return reject(new Error(outcome.error));
        done++;
        if (done === PIPELINED) resolve();
        else if (issued < PIPELINED) issue();
      });
    };
    for (let i = 0; i < IN_FLIGHT; i++) issue();
  });
  return (PIPELINED / (performance.now() - started)) * 1000;
}

async function startTimes(): Promise<Stats> {
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < STARTS; i++) {
    const t = performance.now();
    const instrument = await Instrument.start(simInstrument({ name: `START${i}` }));
    samples.push(performance.now() - t);
    await instrument.stop();
  }
  return stats(samples, performance.now() - started);
}

export async function run(): Promise<void> {
  const bare = await bareRoundTrips();
  const instrument = await Instrument.start(simInstrument());
  try {
    const sequential = await instrumentRoundTrips(instrument);
    const rate = await pipelined(instrument);
    line('bare child-process JSON round trip, median', us(bare.median), 'floor (measured now)');
    line('bare child-process JSON round trip, p99', us(bare.p99), '');
    line('instrument round trip (sim), median', us(sequential.median), `≤ 2 × bare = ${us(2 * bare.median)}`, sequential.median <= 2 * bare.median);
    line('instrument round trip (sim), p99', us(sequential.p99), '');
    line('instrument sequential commands/s', `${Math.round(sequential.perSecond).toLocaleString('en-US')} /s`, `bare: ${Math.round(bare.perSecond).toLocaleString('en-US')} /s`);
    line(`instrument pipelined (${IN_FLIGHT} in flight) commands/s`, `${Math.round(rate).toLocaleString('en-US')} /s`, `≥ ${PIPELINED_TARGET.toLocaleString('en-US')} /s`, rate >= PIPELINED_TARGET);
  } finally {
    await instrument.stop();
  }
  const start = await startTimes();
  line(`instrument start spawn → ready, median of ${STARTS}`, `${start.median.toFixed(1)} ms`, `< ${START_TARGET_MS} ms`, start.median < START_TARGET_MS);
  line('instrument start spawn → ready, worst', `${Math.max(start.p99, start.median).toFixed(1)} ms`, '');
}
