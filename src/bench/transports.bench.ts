// VISA transports against the protocol simulators on 127.0.0.1: sequential query round trips
// (queries/s, median latency) over the raw SCPI socket, VXI-11 and HiSLIP, and a binary block
// of 10^6 float32 values decoded into a Float32Array (MB/s). Measured twice: straight through
// the VISA driver, and end to end through an instrument worker process (Instrument), which adds
// the IPC hop and the /dev/shm array transfer the daemon uses; then through the server over
// HTTP RPC (raw socket and VXI-11), as a client of the daemon sees it.
import type { ApiDefinition, CommandSpec, LoadedInstrument, ReturnType } from '../config/types.js';
import type { Driver } from '../drivers/driver.js';
import { createVisaDriver } from '../drivers/visa/index.js';
import { HislipSimulator } from '../drivers/visa/simulators/hislip-simulator.js';
import { ScpiSocketSimulator } from '../drivers/visa/simulators/socket-simulator.js';
import { Vxi11Simulator } from '../drivers/visa/simulators/vxi11-simulator.js';
import { visaCommand, visaContext } from '../drivers/visa/simulators/test-context.js';
import { Instrument } from '../instruments/instrument.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RpcClient } from '../rpc/index.js';
import type { JobResult } from '../results/types.js';
import { InstrumentServer } from '../server/instrument-server.js';

const QUERIES = 5000;
const WARM_UP = 200;
const BLOCK_POINTS = 1_000_000;
const BLOCK_REPEATS = 10;

interface Simulated {
  name: string;
  address: string;
  options: Record<string, unknown>;
  stop(): Promise<void>;
  setPoints(points: number): void;
}

function line(label: string, value: string): void {
  process.stdout.write(`${label.padEnd(56)} ${value}\n`);
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timeQueries(query: () => Promise<unknown>): Promise<{ perSecond: number; medianMs: number; p99Ms: number }> {
  for (let i = 0; i < WARM_UP; i++) await query();
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < QUERIES; i++) {
    const t0 = performance.now();
    await query();
    samples.push(performance.now() - t0);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  return { perSecond: (QUERIES / (performance.now() - started)) * 1000, medianMs: median(samples), p99Ms: sorted[Math.floor(sorted.length * 0.99)]! };
}

async function timeBlock(fetch: () => Promise<number>): Promise<number> {
  if ((await fetch()) !== BLOCK_POINTS) throw new Error('block has the wrong length');
  const started = performance.now();
  for (let i = 0; i < BLOCK_REPEATS; i++) await fetch();
  const seconds = (performance.now() - started) / 1000;
  return (BLOCK_POINTS * 4 * BLOCK_REPEATS) / seconds / 1e6;
}

async function simulators(): Promise<Simulated[]> {
  const socket = await ScpiSocketSimulator.start();
  const vxi11 = await Vxi11Simulator.start();
  const hislip = await HislipSimulator.start();
  return [
    { name: 'raw socket', address: socket.address, options: {}, stop: () => socket.stop(), setPoints: (n) => (socket.instrument.bigPoints = n) },
    { name: 'VXI-11', address: 'TCPIP::127.0.0.1::INSTR', options: { portmapper_port: vxi11.portmapperPort }, stop: () => vxi11.stop(), setPoints: (n) => (vxi11.instrument.bigPoints = n) },
    { name: 'HiSLIP', address: hislip.address, options: {}, stop: () => hislip.stop(), setPoints: (n) => (hislip.instrument.bigPoints = n) },
  ];
}

function benchApi(): ApiDefinition {
  const spec = (verb: string, template: string, returns: ReturnType, extra: Partial<CommandSpec> = {}): CommandSpec =>
    ({ verb, template, parameters: [], outputs: [], returns, query: true, ...extra });
  return {
    apiVersion: '1.0',
    instrument: { vendor: 'ACME', model: 'SIM-488', identifier: 'bench' },
    protocol: { type: 'VISA' },
    io: [],
    channelGroups: [],
    commands: { MEASURE: spec('MEASURE', 'MEAS:VOLT?', 'double'), WAVEFORM: spec('WAVEFORM', 'WAV:BIG?', 'array', { arrayDataType: 'float32', timeoutMs: 10_000 }) },
    sourcePath: '/dev/null',
  };
}

async function throughDriver(sim: Simulated): Promise<void> {
  const driver: Driver = await createVisaDriver(visaContext(sim.address, sim.options, 10_000));
  await driver.connect();
  try {
    const measure = visaCommand('MEASURE', 'MEAS:VOLT?', 'double');
    const q = await timeQueries(() => driver.execute(measure));
    line(`${sim.name}, driver: sequential queries`, `${q.perSecond.toFixed(0)} queries/s, median ${(q.medianMs * 1000).toFixed(0)} µs, p99 ${(q.p99Ms * 1000).toFixed(0)} µs`);
    const wave = visaCommand('WAVEFORM', 'WAV:BIG?', 'array', { arrayDataType: 'float32', timeoutMs: 10_000 });
    const mbps = await timeBlock(async () => ((await driver.execute(wave)).value as Float32Array).length);
    line(`${sim.name}, driver: 10^6 float32 block → Float32Array`, `${mbps.toFixed(0)} MB/s`);
  } finally {
    await driver.close();
  }
}

async function throughWorker(sim: Simulated): Promise<void> {
  const loaded: LoadedInstrument = {
    api: benchApi(),
    config: {
      name: 'BENCH1',
      apiPath: '/dev/null',
      configPath: '',
      connection: { type: 'VISA', address: sim.address, timeoutMs: 10_000, options: sim.options, custom: {} },
      startup: { initCommands: [], delayMs: 0 },
      ioConfig: {},
    },
  };
  const instrument = await Instrument.start(loaded);
  try {
    const q = await timeQueries(async () => {
      const outcome = await instrument.execute({ verb: 'MEASURE', params: {} });
      if (!outcome.ok) throw new Error(outcome.error);
    });
    line(`${sim.name}, worker process: sequential queries`, `${q.perSecond.toFixed(0)} queries/s, median ${(q.medianMs * 1000).toFixed(0)} µs, p99 ${(q.p99Ms * 1000).toFixed(0)} µs`);
    const mbps = await timeBlock(async () => {
      const outcome = await instrument.execute({ verb: 'WAVEFORM', params: {} });
      if (!outcome.ok || outcome.value?.type !== 'array') throw new Error(outcome.error ?? 'no array');
      return outcome.value.data.length;
    });
    line(`${sim.name}, worker process: 10^6 float32 block → buffer`, `${mbps.toFixed(0)} MB/s`);
  } finally {
    await instrument.stop();
  }
}

const DAEMON_QUERIES = 3000;

/**
 * End to end through the server as a client sees it: the instrument started over RPC from YAML
 * files, an interactive measure job of sequential queries submitted over HTTP, and a job that
 * fetches 10^6-point float32 blocks into stored buffers. Latency is the time between the starts
 * of consecutive queries at the worker (each waits for the previous value to be back in Lua).
 */
async function throughDaemon(sim: Simulated): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'instrument-server-bench-'));
  const server = await InstrumentServer.start({ cwd: dir, dataDir: join(dir, 'data'), rpc: { port: 0 } });
  const client = new RpcClient({ url: server.rpc!.url });
  try {
    writeFileSync(
      join(dir, 'api.yaml'),
      'api_version: "1.0.0"\ninstrument: { vendor: ACME, model: SIM-488, identifier: BENCH }\nprotocol: { type: VISA }\n' +
        'commands:\n  MEASURE: { template: "MEAS:VOLT?", returns: float, query: true }\n' +
        '  WAVEFORM: { template: "WAV:BIG?", returns: "array<float>", query: true, timeout_ms: 10000 }\n',
    );
    const options = Object.entries({ ...sim.options, data_type: 'float32' }).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}\n`).join('');
    writeFileSync(join(dir, 'bench.yaml'), `name: BENCH1\napi_ref: api.yaml\nconnection:\n  type: VISA\n  address: "${sim.address}"\n  timeout: 10000\n${options}`);
    await client.call('start', { config_path: join(dir, 'bench.yaml') });
    const runJob = async (script: string): Promise<JobResult> => {
      const { job_id } = await client.call('submit_measure', { script, mode: 'interactive' });
      for (;;) {
        const info = await client.call('job_wait', { job_id: String(job_id), timeout_ms: 60_000 });
        if (info.finished) break;
      }
      return (await client.call('job_result', { job_id: String(job_id) })).result as JobResult;
    };
    await runJob('for i = 1, 200 do context:call("BENCH1.MEASURE") end');
    const queries = await runJob(`for i = 1, ${DAEMON_QUERIES} do context:call("BENCH1.MEASURE") end`);
    if (queries.status !== 'success') throw new Error(queries.error ?? 'query job failed');
    const starts = queries.results.map((r) => r.started_at!);
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    const seconds = (queries.results.at(-1)!.finished_at! - starts[0]!) / 1000;
    line(`${sim.name}, daemon (RPC job): sequential queries`, `${(DAEMON_QUERIES / seconds).toFixed(0)} queries/s, median ${(median(gaps) * 1000).toFixed(0)} µs`);
    const started = performance.now();
    const blocks = await runJob(`for i = 1, ${BLOCK_REPEATS} do context:call("BENCH1.WAVEFORM") end`);
    const elapsed = (performance.now() - started) / 1000;
    const buffers = blocks.results.filter((r) => r.return?.type === 'buffer' && r.return.element_count === BLOCK_POINTS).length;
    if (buffers !== BLOCK_REPEATS) throw new Error(`expected ${BLOCK_REPEATS} buffers of ${BLOCK_POINTS} points, got ${buffers}: ${blocks.results[0]?.error ?? ''}`);
    line(`${sim.name}, daemon (RPC job): 10^6 float32 blocks → stored buffers`, `${((BLOCK_POINTS * 4 * BLOCK_REPEATS) / elapsed / 1e6).toFixed(0)} MB/s`);
  } finally {
    client.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const sims = await simulators();
  try {
    for (const sim of sims) sim.setPoints(BLOCK_POINTS);
    for (const sim of sims) await throughDriver(sim);
    for (const sim of sims) {
      try {
        await throughWorker(sim);
      } catch (error) {
        line(`${sim.name}, worker process`, `not measured: ${(error as Error).message}`);
      }
    }
    for (const sim of sims.filter((s) => s.name !== 'HiSLIP')) {
      try {
        await throughDaemon(sim);
      } catch (error) {
        line(`${sim.name}, daemon`, `not measured: ${(error as Error).message}`);
      }
    }
  } finally {
    await Promise.all(sims.map((sim) => sim.stop()));
  }
}
