// Reads one YAML file and keeps what is needed to point at lines later: the parsed document and
// a LineCounter, so schema and cross-check problems can say "line 12" instead of only a path.
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isMap, isNode, isScalar, type Document } from 'yaml';
import { ConfigError } from './errors.js';

export interface YamlFile {
  path: string;
  data: unknown;
  document: Document;
  lineCounter: LineCounter;
}

/** A location inside a YAML document: map keys and array indices from the root. */
export type YamlPath = Array<string | number>;

/** Parses `path`; a missing file or a syntax error throws ConfigError naming file, line and column. */
export function readYamlFile(path: string, what = 'file'): YamlFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new ConfigError(path, [reason], what);
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true });
  if (document.errors.length > 0) {
    const problems = document.errors.map((error) => {
      // The library appends " at line L, column C:" and a code frame; we keep only the sentence.
      const sentence = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      const at = error.linePos?.[0];
      return at ? `line ${at.line}, column ${at.col}: YAML syntax error: ${sentence}` : `YAML syntax error: ${sentence}`;
    });
    throw new ConfigError(path, problems, what);
  }
  return { path, data: document.toJS(), document, lineCounter };
}

/** The 1-based line of the node at `path`, or of its nearest existing ancestor. */
export function lineOf(file: YamlFile, path: YamlPath): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    // A mapping entry is pointed at by its key: that is the line a reader looks for.
    const key = depth > 0 ? keyNode(file, path.slice(0, depth)) : undefined;
    const node = key ?? (depth === 0 ? file.document.contents : file.document.getIn(path.slice(0, depth), true));
    if (isNode(node) && node.range) return file.lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}

function keyNode(file: YamlFile, path: YamlPath): unknown {
  const last = path[path.length - 1];
  if (typeof last !== 'string') return undefined;
  const parent = path.length === 1 ? file.document.contents : file.document.getIn(path.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  return parent.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === last)?.key;
}

/** `commands.SET.parameters[0].type` for display. */
export function formatPath(path: YamlPath): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text === '' ? part : `.${part}`;
  }
  return text === '' ? '(top level)' : text;
}

/** One problem line: `line 12: commands.SET.template: message` (line left out when unknown). */
export function problemAt(file: YamlFile | undefined, path: YamlPath, message: string): string {
  const line = file ? lineOf(file, path) : undefined;
  const where = path.length > 0 ? `${formatPath(path)}: ` : '';
  return line !== undefined ? `line ${line}: ${where}${message}` : `${where}${message}`;
}
