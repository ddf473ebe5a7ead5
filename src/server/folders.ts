// Creating the data and log folders. Node's recursive mkdir loops forever below pseudo file
// systems such as /proc (mkdir there fails with ENOENT, which it takes for a missing parent),
// so folders are made one level at a time, and a failure names the folder and the cause.
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export function ensureFolder(path: string, what: string): string {
  const absolute = resolve(path);
  const missing: string[] = [];
  let existing = absolute;
  for (;;) {
    try {
      if (!statSync(existing).isDirectory()) throw new Error(`${what} ${absolute}: ${existing} is not a folder`);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      missing.unshift(existing);
      const parent = dirname(existing);
      if (parent === existing) break;
      existing = parent;
    }
  }
  for (const folder of missing) {
    try {
      mkdirSync(folder, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new Error(`${what} ${absolute} cannot be created: ${(error as Error).message}`);
    }
  }
  return absolute;
}
