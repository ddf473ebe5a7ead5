import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../test-support/temp-dir.js';
import { readToEnd, waitForLine } from '../test-support/events.js';
import { processExists } from '../test-support/processes.js';

const instrumentModule = new URL('./instrument.js', import.meta.url).href;
const simModule = new URL('../test-support/sim-instrument.js', import.meta.url).href;

// The worker's log goes into a FIFO the test reads: the FIFO ends exactly when its last writer —
// the worker — has exited, so the test waits on that event instead of polling for the pid.
const parentScript = (logFile: string) => `
  import { Instrument } from ${JSON.stringify(instrumentModule)};
  import { simInstrument } from ${JSON.stringify(simModule)};
  const dmm = await Instrument.start(simInstrument({ sim: { commands: { MEASURE: { delay_ms: 60000 } } } }), { logFile: ${JSON.stringify(logFile)} });
  dmm.execute({ verb: 'MEASURE', params: {} });
  process.stdout.write('worker ' + dmm.status().pid + '\\n');
  setInterval(() => {}, 1000);
`;

test('no orphan: a worker exits when the process that started it is killed with SIGKILL', async () => {
  const dir = makeTempDir();
  const fifo = join(dir.path, 'worker_DMM1.log');
  execFileSync('mkfifo', [fifo]);
  const workerOutputEnded = readToEnd(createReadStream(fifo));
  const parent = spawn(process.execPath, ['--input-type=module', '-e', parentScript(fifo)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const line = await waitForLine(parent.stdout, /^worker \d+$/);
    const workerPid = Number(line.split(' ')[1]);
    assert.ok(processExists(workerPid), 'the worker runs while its parent lives');
    const parentExited = new Promise((resolve) => parent.once('exit', resolve));
    parent.kill('SIGKILL');
    await parentExited;
    const output = await workerOutputEnded; // the worker held the FIFO open: it has exited now
    assert.match(output, /"name":"worker_DMM1"/);
    assert.equal(processExists(workerPid), false, `worker ${workerPid} is gone`);
  } finally {
    parent.kill('SIGKILL');
    dir.remove();
  }
});
