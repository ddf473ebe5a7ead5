// `npm run bench`: runs every `*.bench.js` module in this folder (each exports
// `async function run(): Promise<void>` that prints its own figures). Optional arguments narrow
// the run to modules whose name contains one of them: `node dist/bench/main.js instruments`.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const folder = fileURLToPath(new URL('.', import.meta.url));
const filters = process.argv.slice(2);
const modules = readdirSync(folder)
  .filter((file) => file.endsWith('.bench.js'))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();

if (modules.length === 0) {
  process.stderr.write(`no benchmark modules found in ${folder}\n`);
  process.exit(1);
}

let failed = false;
for (const file of modules) {
  process.stdout.write(`\n== ${file.replace(/\.bench\.js$/, '')} ==\n`);
  const started = performance.now();
  try {
    const module = (await import(pathToFileURL(join(folder, file)).href)) as { run?: () => Promise<void> };
    if (typeof module.run !== 'function') throw new Error(`${file} does not export run()`);
    await module.run();
  } catch (error) {
    failed = true;
    process.stderr.write(`benchmark ${file} failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  }
  process.stdout.write(`(${file}: ${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
}
process.exit(failed ? 1 : 0);
