// Child-process entry used by discovery.ts: loads one plugin, prints {"metadata": ...} or
// {"error": "..."} as JSON on stdout, and exits. Never calls initialize or execute.
import { JsPlugin } from './js-plugin.js';
import { NativePlugin } from './native-plugin.js';
import { pluginKind } from './discovery.js';

const path = process.argv[2];
try {
  if (!path) throw new Error('usage: metadata-probe <plugin path>');
  const metadata = pluginKind(path) === 'native' ? NativePlugin.readMetadata(path) : (await JsPlugin.load(path)).metadata;
  process.stdout.write(JSON.stringify({ metadata }));
} catch (error) {
  process.stdout.write(JSON.stringify({ error: (error as Error).message }));
}
process.exit(0);
