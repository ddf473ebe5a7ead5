// Entry of a detached daemon process started by `instrument-server daemon start`. Its options
// (which may hold the access token) arrive as the first message on the IPC channel, never in
// argv, where every local user could read them; readiness or the reason for failing goes back
// the same way.
import { report, runDaemon, type DaemonOptions } from './main.js';

if (!process.send) {
  process.stderr.write('error: the daemon process expects its options over IPC; start it with `instrument-server daemon start`\n');
  process.exit(1);
}

const options = await new Promise<DaemonOptions>((resolve) => process.once('message', (message: DaemonOptions) => resolve(message)));
try {
  await runDaemon(options);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  report({ ready: false, error: message });
  process.stderr.write(`error: ${message}\n`);
  process.exitCode = 1;
}
