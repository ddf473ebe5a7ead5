// The text form of results the CLI prints, one line per command, with the job's log lines
// (context:log, print) placed between the commands in the order they happened:
//   # info: IV sweep
//   [0] DAC1:1.SET_VOLTAGE(0.5) -> [void]
//   [1] DMM1.MEASURE_VOLTAGE() -> [double] 0.2501
//   # v	0.2501
//   [2] SCOPE1:1.GET_WAVEFORM() -> [buffer buf_1a2b… 1000 × float64]
//   [3] DAC1:1.SET_VOLTAGE(12) -> ERROR: … above the maximum 10
// Arguments print as values, as the C++ original printed them, in the order the command
// declares its parameters (binding records them in that order, whatever order a table had).
//   [4] <unknown target "nonsense"> -> ERROR: … bad command target "nonsense" …
import type { CommandRecord, JobResult, LogLine, ReturnValue } from '../results/types.js';

/** A job result as `job_result` may answer it: without `status` while the job has not finished. */
export type PrintableResult = Omit<JobResult, 'status'> & { status?: JobResult['status'] };

function formatArgument(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.length} values]`;
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function formatArguments(record: CommandRecord): string {
  // The channel already shows in the target (DAC1:1), so it is not repeated among the arguments.
  const hasChannel = record.instrument.includes(':');
  return Object.entries(record.params as Record<string, unknown>)
    .filter(([name]) => !(hasChannel && name === 'channel'))
    .map(([, value]) => formatArgument(value))
    .join(', ');
}

export function formatReturn(value: ReturnValue | undefined): string {
  if (!value || value.type === 'void') return '[void]';
  switch (value.type) {
    case 'buffer':
      return `[buffer ${value.buffer_id}: ${value.element_count} × ${value.data_type}]`;
    case 'array': {
      const head = value.value.slice(0, 5).join(', ');
      return `[array ${value.value.length}] ${head}${value.value.length > 5 ? ', …' : ''}`;
    }
    case 'string':
      return `[string] ${JSON.stringify(value.value)}`;
    default:
      return `[${value.type}] ${String(value.value)}`;
  }
}

export function formatRecord(record: CommandRecord): string {
  const args = formatArguments(record);
  const outcome = record.error !== undefined ? `ERROR: ${record.error}` : formatReturn(record.return);
  if (record.instrument === '' || record.verb === '') {
    // A call rejected before it had a target (`context:call("nonsense")`): the script's text, if any, is in `instrument`.
    const target = record.instrument === '' ? '<unknown target>' : `<unknown target ${JSON.stringify(record.instrument)}>`;
    return `[${record.index}] ${target}${args === '' ? '' : `(${args})`} -> ${outcome}`;
  }
  return `[${record.index}] ${record.instrument}.${record.verb}(${args}) -> ${outcome}`;
}

function formatLogLine(line: LogLine): string {
  return `# ${line.level === 'print' ? '' : `${line.level}: `}${line.message}`;
}

/**
 * Records and log lines in the order they happened: a log line goes before the first record that
 * started later (log times have whole-millisecond resolution, so "later" means in a later
 * millisecond; a print right after a reading in the same millisecond stays after it). Records
 * without `started_at` keep their place by index.
 */
function interleave(records: CommandRecord[], log: LogLine[]): string[] {
  const pending = [...log].sort((a, b) => a.at_ms - b.at_ms);
  const lines: string[] = [];
  let next = 0;
  for (const record of records) {
    if (record.started_at !== undefined) {
      const started = Math.floor(record.started_at);
      while (next < pending.length && pending[next]!.at_ms < started) lines.push(formatLogLine(pending[next++]!));
    }
    lines.push(formatRecord(record));
  }
  while (next < pending.length) lines.push(formatLogLine(pending[next++]!));
  return lines;
}

function summary(result: PrintableResult): string {
  const count = `${result.results.length} command${result.results.length === 1 ? '' : 's'}`;
  const failed = result.results.filter((r) => r.error !== undefined).length;
  const failures = failed > 0 ? `, ${failed} failed` : '';
  if (result.status === undefined) return `${result.script}: not finished, ${count} so far${failures}`;
  if (result.status === 'success') return `${result.script}: success, ${count}${failures}`;
  return `${result.script}: error: ${result.error ?? 'a command failed'} (${count}${failures})`;
}

export function formatResult(result: PrintableResult): string {
  return [...interleave(result.results, result.log), summary(result)].join('\n');
}
