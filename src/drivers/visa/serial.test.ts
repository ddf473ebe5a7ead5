import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createVisaDriver } from './index.js';
import { SerialSimulator } from './simulators/serial-simulator.js';
import { SIM_IDN, simulatedWaveform } from './simulators/scpi-instrument.js';
import { visaCommand, visaContext } from './simulators/test-context.js';
import { serialSettings } from './serial.js';
import { pythonMissing, pythonTtyQuery } from './simulators/independent-clients.js';

const socatMissing = ['/usr/bin/socat', '/usr/local/bin/socat'].some((p) => existsSync(p)) ? undefined : 'socat not installed: needed for the pty pair';

test('serial: settings come from baudrate and connection options, bad values are refused', () => {
  assert.deepEqual(serialSettings('/dev/ttyUSB0', 115200, { parity: 'even', data_bits: 7, stop_bits: 2, flow_control: 'rtscts' }), {
    path: '/dev/ttyUSB0', baudRate: 115200, dataBits: 7, stopBits: 2, parity: 'even', flowControl: 'rtscts',
  });
  assert.equal(serialSettings('/dev/ttyS0', undefined, {}).baudRate, 9600);
  assert.throws(() => serialSettings('/dev/ttyS0', 9600, { parity: 'sometimes' }), /serial parity "sometimes" is not none, even, odd, mark or space/);
  assert.throws(() => serialSettings('/dev/ttyS0', 9600, { stop_bits: 3 }), /stop_bits 3/);
});

test('serial: an instrument on a socat pty pair answers *IDN?, typed queries and binary blocks', async (t) => {
  if (socatMissing) return t.skip(socatMissing);
  const sim = await SerialSimulator.start(115200);
  const driver = await createVisaDriver(visaContext(`ASRL${sim.clientPath}::INSTR`, { parity: 'none', stop_bits: 1, flow_control: 'none' }, 2000, 115200));
  try {
    await driver.connect();
    assert.equal(await driver.identify!(), SIM_IDN);
    await driver.execute(visaCommand('SET_VOLT', 'VOLT 4.5', 'void'));
    assert.equal((await driver.execute(visaCommand('GET_VOLT', 'VOLT?', 'double'))).value, 4.5);
    assert.deepEqual((await driver.execute(visaCommand('WAVEFORM', 'WAV:DATA?', 'array', { arrayDataType: 'float32' }))).value, simulatedWaveform());
    await assert.rejects(driver.execute(visaCommand('STALL', 'STALL?', 'double', { timeoutMs: 100 })), /Instrument DMM1: command STALL timed out after 100 ms/);
    await assert.rejects(driver.execute(visaCommand('MEASURE', 'GARBAGE?', 'double')), /command MEASURE: cannot parse the reply as double/);
    assert.equal(await driver.identify!(), SIM_IDN);
  } finally {
    await driver.close();
    await sim.stop();
  }
});

test('serial: a bare device path selects the serial transport', async (t) => {
  if (socatMissing) return t.skip(socatMissing);
  const sim = await SerialSimulator.start();
  const driver = await createVisaDriver(visaContext(sim.clientPath));
  try {
    await driver.connect();
    assert.equal(await driver.identify!(), SIM_IDN);
  } finally {
    await driver.close();
    await sim.stop();
  }
});

test('serial simulator agrees with a plain Python tty client (independent of serialport)', async (t) => {
  if (socatMissing) return t.skip(socatMissing);
  const noPython = pythonMissing();
  if (noPython) return t.skip(noPython);
  const sim = await SerialSimulator.start();
  try {
    assert.equal(await pythonTtyQuery(sim.clientPath, '*IDN?'), SIM_IDN);
  } finally {
    await sim.stop();
  }
});
