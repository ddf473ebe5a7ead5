// Temporary folders for tests: created fresh, removed by the test that made them.
import { mkdtempSync, realpathSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface TempDir {
  path: string;
  /** Writes a file (folders created) and returns its absolute path. */
  write(relative: string, text: string): string;
  remove(): void;
}

export function makeTempDir(prefix = 'instrument-server-test-'): TempDir {
  // Canonical, so tests can compare it with the canonical paths the loaders return.
  const path = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  return {
    path,
    write(relative, text) {
      const file = join(path, relative);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
      return file;
    },
    remove() {
      rmSync(path, { recursive: true, force: true });
    },
  };
}
