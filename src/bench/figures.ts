// What every benchmark shares: summary statistics, one printed line per figure beside its
// target, and the physical floor every round trip is compared with: a bare forked child
// echoing one JSON message over the same IPC channel the instrument workers use.
import { spawn, type ChildProcess } from 'node:child_process';

const SEQUENTIAL = 5000;
const WARM_UP = 500;

export interface Stats { median: number; p99: number; perSecond: number }

export function stats(samplesMs: number[], totalMs: number): Stats {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { median: at(0.5), p99: at(0.99), perSecond: (samplesMs.length / totalMs) * 1000 };
}

export function line(label: string, value: string, target: string, pass?: boolean): void {
  const verdict = pass === undefined ? '' : pass ? 'PASS' : 'MISS';
  process.stdout.write(`${label.padEnd(50)} ${value.padStart(14)}   ${target.padEnd(34)} ${verdict}\n`);
}

export const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;

/** The floor: one JSON message to a child and back, nothing else. */
export async function bareRoundTrips(): Promise<Stats> {
  const child: ChildProcess = spawn(process.execPath, ['-e', "process.on('message', (m) => process.send(m))"], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    serialization: 'json',
  });
  try {
    const roundTrip = (id: number) => new Promise<void>((resolve) => {
      child.once('message', () => resolve());
      child.send({ t: 'exec', commands: [{ id, verb: 'MEASURE', params: {} }] });
    });
    for (let i = 0; i < WARM_UP; i++) await roundTrip(i);
    const samples: number[] = [];
    const started = performance.now();
    for (let i = 0; i < SEQUENTIAL; i++) {
      const t = performance.now();
      await roundTrip(i);
      samples.push(performance.now() - t);
    }
    return stats(samples, performance.now() - started);
  } finally {
    child.kill();
  }
}

