// The text form of results the CLI prints, one line per command:
//   [0] DAC1:1.SET_VOLTAGE(0.5) -> [void]
//   [1] DMM1.MEASURE_VOLTAGE() -> [double] 0.2501
//   [2] SCOPE1:1.GET_WAVEFORM() -> [buffer buf_1a2b… 1000 × float64]
//   [3] DAC1:1.SET_VOLTAGE(12) -> ERROR: … above the maximum 10
import type { CommandRecord, JobResult, ReturnValue } from '../results/types.js';

function formatArgument(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.length} values]`;
  return String(value);
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
  // The channel already shows in the target (DAC1:1), so it is not repeated among the arguments.
  const hasChannel = record.instrument.includes(':');
  const args = Object.entries(record.params)
    .filter(([name]) => !(hasChannel && name === 'channel'))
    .map(([, value]) => formatArgument(value))
    .join(', ');
  const outcome = record.error !== undefined ? `ERROR: ${record.error}` : formatReturn(record.return);
  return `[${record.index}] ${record.instrument}.${record.verb}(${args}) -> ${outcome}`;
}

export function formatResult(result: JobResult): string {
  const lines = result.results.map(formatRecord);
  for (const line of result.log) lines.push(`# ${line.level === 'print' ? '' : `${line.level}: `}${line.message}`);
  lines.push(result.status === 'success' ? `${result.script}: success, ${result.results.length} commands` : `${result.script}: error: ${result.error ?? 'a command failed'}`);
  return lines.join('\n');
}
