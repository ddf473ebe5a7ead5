// Waiting for things to happen in tests by events, never by sleeping and re-checking.
import type { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';

/** Resolves with the first emission of `event` whose arguments satisfy `accept`; rejects after timeoutMs. */
export function nextEvent<T = unknown>(emitter: EventEmitter, event: string, timeoutMs = 10_000, accept: (value: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`no '${event}' event within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (value: T) => {
      if (!accept(value)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(value);
    };
    emitter.on(event, listener);
  });
}

/** Collects a readable stream's text until it ends (all writers closed). */
export function readToEnd(stream: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => { text += chunk; });
    stream.once('end', () => resolve(text));
    stream.once('error', reject);
  });
}

/** Resolves with the first line of a stream that matches `pattern`. */
export function waitForLine(stream: Readable, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => { stream.off('data', onData); reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; got: ${buffered.slice(-500)}`)); }, timeoutMs);
    const onData = (chunk: Buffer | string) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      for (const line of lines.slice(0, -1)) {
        if (pattern.test(line)) {
          clearTimeout(timer);
          stream.off('data', onData);
          resolve(line);
          return;
        }
      }
    };
    stream.on('data', onData);
  });
}
