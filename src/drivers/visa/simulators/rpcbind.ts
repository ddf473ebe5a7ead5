// Debian's rpcbind (the system portmapper on port 111) for tests that need clients which always
// ask port 111 (pyvisa-py, lxi). Uses a running one; otherwise starts one in the foreground when
// it is installed and we are root (it must bind port 111), and stops it again afterwards.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { portmapperGetPort, PORTMAPPER_PROGRAM, PORTMAPPER_VERSION } from '../onc-rpc.js';

const RPCBIND = '/usr/sbin/rpcbind';

export type SystemPortmapper = { ok: true; stop(): Promise<void> } | { ok: false; reason: string };

async function answers(): Promise<boolean> {
  return portmapperGetPort('127.0.0.1', 111, PORTMAPPER_PROGRAM, PORTMAPPER_VERSION, 1000).then(() => true, () => false);
}

export async function useSystemPortmapper(): Promise<SystemPortmapper> {
  if (await answers()) return { ok: true, stop: async () => undefined };
  if (!existsSync(RPCBIND)) return { ok: false, reason: `rpcbind not installed (${RPCBIND}) and no portmapper answers on 127.0.0.1:111` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'rpcbind is not running and starting it needs root (port 111)' };
  // -f: stay in the foreground so the test owns the process; -i: accept SET from unprivileged ports.
  const child = spawn(RPCBIND, ['-f', '-i'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let early: string | undefined;
  child.once('error', (error) => (early = error.message));
  // rpcbind prints nothing when ready, so readiness is its answering a GETPORT: a bounded number of tries.
  for (let attempt = 0; attempt < 100 && early === undefined && child.exitCode === null; attempt++) {
    if (await answers()) {
      return {
        ok: true,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      };
    }
    await delay(20);
  }
  child.kill('SIGKILL');
  await exited;
  return { ok: false, reason: `rpcbind did not start: ${early ?? `exit code ${child.exitCode}`}` };
}
