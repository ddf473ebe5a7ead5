// Finding the API definition a configuration names (SPEC part 5, as the C++ original did it):
// a `file://` URI is a path; a relative path is looked up beside the config file first, then in
// the working directory; the result is canonical (symlinks and `..` resolved).
import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type ApiRefResolution = { ok: true; path: string; tried: string[] } | { ok: false; tried: string[] };

/** `file:///abs/x.yaml` → `/abs/x.yaml`; `file://./apis/x.yaml` → `./apis/x.yaml`; plain paths unchanged. */
export function apiRefToPath(apiRef: string): string {
  if (!/^file:\/\//i.test(apiRef)) return apiRef;
  const rest = apiRef.slice('file://'.length);
  // file:///abs and file://localhost/abs are URIs proper; file://./x and file://x are the original's relative form.
  if (rest.startsWith('/') || /^localhost\//i.test(rest)) return fileURLToPath(apiRef);
  return decodeURIComponent(rest);
}

/** The candidates for `apiRef` in the order they are tried. */
export function apiRefCandidates(apiRef: string, configPath: string, cwd: string): string[] {
  const path = apiRefToPath(apiRef);
  if (isAbsolute(path)) return [resolve(path)];
  const candidates = [resolve(dirname(resolve(configPath)), path), resolve(cwd, path)];
  return [...new Set(candidates)];
}

export function resolveApiRef(apiRef: string, configPath: string, cwd: string = process.cwd()): ApiRefResolution {
  const tried = apiRefCandidates(apiRef, configPath, cwd);
  const found = tried.find((candidate) => existsSync(candidate));
  return found ? { ok: true, path: realpathSync(found), tried } : { ok: false, tried };
}

/** `API definition ./x.yaml not found (tried /a/x.yaml, /cwd/x.yaml)` */
export function apiRefNotFound(apiRef: string, tried: string[]): string {
  return `API definition ${apiRef} not found (tried ${tried.join(', ')})`;
}
