import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVisaDriver } from './index.js';
import { HislipSimulator } from './simulators/hislip-simulator.js';
import { SIM_IDN, simulatedWaveform } from './simulators/scpi-instrument.js';
import { visaCommand, visaContext, withConnectedDriver } from './simulators/test-context.js';
import type { Driver } from '../driver.js';

async function withHislipInstrument(fn: (driver: Driver, sim: HislipSimulator) => Promise<void>): Promise<void> {
  const sim = await HislipSimulator.start();
  await withConnectedDriver(sim, sim.address, {}, fn);
}

test('HiSLIP: Initialize and AsyncInitialize open a session and *IDN? identifies the instrument', async () => {
  await withHislipInstrument(async (driver, sim) => {
    assert.equal(await driver.identify!(), SIM_IDN);
    assert.equal(sim.sessions, 1);
  });
});

test('HiSLIP: typed replies and binary blocks with 0x0A inside', async () => {
  await withHislipInstrument(async (driver) => {
    await driver.execute(visaCommand('SET_VOLT', 'VOLT -0.5', 'void'));
    assert.equal((await driver.execute(visaCommand('GET_VOLT', 'VOLT?', 'double'))).value, -0.5);
    assert.equal((await driver.execute(visaCommand('OUTPUT', 'OUTP?', 'bool'))).value, false);
    assert.deepEqual((await driver.execute(visaCommand('WAVEFORM', 'WAV:DATA?', 'array', { arrayDataType: 'float32' }))).value, simulatedWaveform());
    assert.deepEqual((await driver.execute(visaCommand('WAVEFORM_IND', 'WAV:IND?', 'array', { arrayDataType: 'float32' }))).value, simulatedWaveform());
  });
});

test('HiSLIP: a timed-out query fails clearly and its late reply is not taken for the next one', async () => {
  await withHislipInstrument(async (driver) => {
    await assert.rejects(driver.execute(visaCommand('STALL', 'STALL?', 'double', { timeoutMs: 100 })), /Instrument DMM1: command STALL timed out after 100 ms/);
    assert.equal(await driver.identify!(), SIM_IDN);
  });
});

test('HiSLIP: a connection closed mid-reply fails that command, the next command opens a new session', async () => {
  await withHislipInstrument(async (driver, sim) => {
    await assert.rejects(driver.execute(visaCommand('WAVEFORM', 'DROP?', 'array')), /Instrument DMM1: command WAVEFORM failed: connection to HiSLIP 127\.0\.0\.1:\d+ hislip0 \(synchronous channel\) was closed by the instrument; the next command reconnects/);
    assert.equal(await driver.identify!(), SIM_IDN);
    assert.equal(sim.sessions, 2);
  });
});

test('HiSLIP: a garbage reply is a parse error naming the command', async () => {
  await withHislipInstrument(async (driver) => {
    await assert.rejects(driver.execute(visaCommand('OUTPUT', 'GARBAGE?', 'bool')), /Instrument DMM1: command OUTPUT: cannot parse the reply as bool: reply "@@#!garbage!!" is not a boolean/);
  });
});

test('HiSLIP: an unknown sub-address is refused with the instrument\'s fatal error', async () => {
  const sim = await HislipSimulator.start();
  const driver = await createVisaDriver(visaContext(`TCPIP::127.0.0.1::hislip3,${sim.port}::INSTR`));
  try {
    await assert.rejects(driver.connect(), /cannot connect to .*hislip3.*fatal error \(code 3\) after Initialize: unknown sub-address hislip3/);
  } finally {
    await driver.close();
    await sim.stop();
  }
});
