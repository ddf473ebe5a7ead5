// Where `require("name")` may load Lua modules from: the script's folder and the configured
// library folders only, as `?.lua` or `?/init.lua`. Files are read here (Node fs), never via Lua io.
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';

export type ModuleLookup =
  | { found: true; source: string; path: string }
  | { found: false; refused: string }
  | { found: false; tried: string[] };

export class ModuleResolver {
  private readonly roots: string[];

  constructor(searchPaths: string[]) {
    this.roots = [];
    for (const dir of searchPaths) {
      try {
        const real = realpathSync(dir);
        if (!this.roots.includes(real)) this.roots.push(real);
      } catch {
        // A library folder that does not exist simply holds no modules.
      }
    }
  }

  find(name: unknown): ModuleLookup {
    if (typeof name !== 'string' || name === '') return { found: false, refused: 'require expects a module name (a non-empty string)' };
    if (name.includes('..') || isAbsolute(name) || name.startsWith('\\') || name.startsWith('~') || /^[A-Za-z]:/.test(name) || name.includes('\0')) {
      return { found: false, refused: `module name "${name}" is not allowed: modules load only from the script's folder and the library folders (no "..", no absolute paths)` };
    }
    const relativePath = name.replaceAll('.', '/');
    const tried: string[] = [];
    for (const root of this.roots) {
      for (const candidate of [`${relativePath}.lua`, `${relativePath}/init.lua`]) {
        const path = join(root, candidate);
        tried.push(path);
        let real: string;
        try {
          real = realpathSync(path);
          if (!statSync(real).isFile()) continue;
        } catch {
          continue;
        }
        if (!this.roots.some((r) => real === r || real.startsWith(r.endsWith(sep) ? r : r + sep))) {
          return { found: false, refused: `module "${name}" resolves to ${real}, outside the script's folder and the library folders` };
        }
        return { found: true, source: readFileSync(real, 'utf8'), path: real };
      }
    }
    return { found: false, tried };
  }

  /** A short name for messages: relative to the first root that holds the file. */
  displayName(path: string): string {
    for (const root of this.roots) {
      const rel = relative(root, path);
      if (!rel.startsWith('..') && !isAbsolute(rel)) return rel;
    }
    return path;
  }
}
