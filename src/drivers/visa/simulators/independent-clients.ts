// Runs the independent Debian clients the simulators are checked against: pyvisa with the
// pure-Python backend (/usr/bin/python3, python3-pyvisa-py) and `lxi scpi` (lxi-tools). Each
// returns undefined plus a reason when the tool is not installed, so tests can skip saying why.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

const PYTHON = '/usr/bin/python3';

function run(file: string, args: string[], timeoutMs = 20_000): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0;
      resolve({ stdout, stderr, code });
    });
  });
}

let pyvisaCheck: Promise<string | undefined> | undefined;

/** Why pyvisa-py cannot be used here, or undefined when it can. */
export function pyvisaMissing(): Promise<string | undefined> {
  pyvisaCheck ??= (async () => {
    if (!existsSync(PYTHON)) return `${PYTHON} not found`;
    const probe = await run(PYTHON, ['-c', 'import pyvisa, pyvisa_py']);
    return probe.code === 0 ? undefined : `python3-pyvisa-py not installed: ${probe.stderr.trim().split('\n').pop()}`;
  })();
  return pyvisaCheck;
}

export function lxiMissing(): string | undefined {
  return ['/usr/bin/lxi', '/usr/local/bin/lxi'].some((p) => existsSync(p)) ? undefined : 'lxi-tools (lxi) not installed';
}

export interface PyvisaAnswers {
  idn: string;
  volt: string;
  waveform: number[];
}

/** Asks a resource through pyvisa-py: *IDN?, a set-then-get round trip, and a float32 binary block. */
export async function pyvisaQuery(resource: string): Promise<PyvisaAnswers> {
  const script = `
import json, sys, pyvisa
rm = pyvisa.ResourceManager('@py')
inst = rm.open_resource(sys.argv[1])
inst.timeout = 5000
inst.read_termination = '\\n'
inst.write_termination = '\\n'
idn = inst.query('*IDN?')
inst.write('VOLT 2.75')
volt = inst.query('VOLT?')
wave = inst.query_binary_values('WAV:DATA?', datatype='f', is_big_endian=False, expect_termination=True)
inst.close()
rm.close()
print(json.dumps({'idn': idn, 'volt': volt, 'waveform': list(wave)}))
`;
  const result = await run(PYTHON, ['-c', script, resource]);
  if (result.code !== 0) throw new Error(`pyvisa-py failed on ${resource}: ${result.stderr.trim()}`);
  return JSON.parse(result.stdout) as PyvisaAnswers;
}

/** `lxi scpi` against 127.0.0.1: VXI-11 through the portmapper on 111, or raw TCP with a port. */
export async function lxiQuery(command: string, rawPort?: number): Promise<string> {
  const args = ['scpi', '-a', '127.0.0.1', '-t', '5'];
  if (rawPort !== undefined) args.push('-r', '-p', String(rawPort));
  args.push(command);
  const result = await run('lxi', args);
  if (result.code !== 0) throw new Error(`lxi scpi failed: ${result.stdout}${result.stderr}`);
  return result.stdout.trim();
}

/** Plain POSIX file I/O from Python (no serial library): writes *IDN? to a tty and reads one line back. */
export async function pythonTtyQuery(path: string, command: string): Promise<string> {
  const script = `
import os, sys, termios, tty
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
tty.setraw(fd)
os.write(fd, (sys.argv[2] + '\\n').encode())
reply = b''
while not reply.endswith(b'\\n'):
    reply += os.read(fd, 256)
os.close(fd)
print(reply.decode().strip())
`;
  const result = await run(PYTHON, ['-c', script, path, command], 10_000);
  if (result.code !== 0) throw new Error(`python tty client failed on ${path}: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

export function pythonMissing(): string | undefined {
  return existsSync(PYTHON) ? undefined : `${PYTHON} not found`;
}
