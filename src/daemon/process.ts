// Entry of a detached daemon process started by `instrument-server daemon start`: options
// arrive as JSON in the first argument; readiness or the reason for failing goes back over IPC.
import { report, runDaemon, type DaemonOptions } from './main.js';

let options: DaemonOptions;
try {
  options = JSON.parse(process.argv[2] ?? '') as DaemonOptions;
} catch {
  process.stderr.write('error: the daemon expects its options as JSON in its first argument; start it with `instrument-server daemon start`\n');
  process.exit(1);
}
try {
  await runDaemon(options);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  report({ ready: false, error: message });
  process.stderr.write(`error: ${message}\n`);
  process.exitCode = 1;
}
