// Entry point of an instrument worker process, forked by instruments/instrument.ts with an IPC
// channel. The worker lives exactly as long as that channel: when the instrument side goes away
// (even by kill -9), the channel disconnects and the worker exits, so no worker is orphaned.
import type { FromWorker } from './protocol.js';
import { WorkerSession } from './worker-session.js';

if (typeof process.send !== 'function') {
  process.stderr.write('instrument worker: must be started by the instrument server (no IPC channel)\n');
  process.exit(2);
}

const send = (message: FromWorker): void => {
  if (process.connected) process.send!(message);
};
const exit = (code: number): void => {
  // Let queued IPC messages (init_failed, last results) leave before the process ends: with the
  // channel unreferenced the process exits on its own once nothing is pending.
  process.exitCode = code;
  process.channel?.unref();
  setTimeout(() => process.exit(code), 1000).unref();
};

const session = new WorkerSession(send, exit);
process.on('message', (message) => session.receive(message));
process.on('disconnect', () => {
  void session.shutdown('instrument side disconnected');
  setTimeout(() => process.exit(0), 1000).unref();
});
process.on('SIGTERM', () => void session.shutdown('SIGTERM'));
process.on('uncaughtException', (error) => {
  session.log.error(`uncaught exception: ${error.stack ?? error.message}`);
  process.exit(70);
});
process.on('unhandledRejection', (reason) => {
  session.log.error(`unhandled rejection: ${reason instanceof Error ? reason.stack ?? reason.message : String(reason)}`);
});
