import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVisaDriver } from './index.js';
import { Vxi11Simulator } from './simulators/vxi11-simulator.js';
import { SIM_IDN, simulatedWaveform } from './simulators/scpi-instrument.js';
import { visaCommand, visaContext, withConnectedDriver } from './simulators/test-context.js';
import { lxiMissing, lxiQuery, pyvisaMissing, pyvisaQuery } from './simulators/independent-clients.js';
import { useSystemPortmapper } from './simulators/rpcbind.js';
import type { Driver } from '../driver.js';

async function withVxi11Instrument(fn: (driver: Driver, sim: Vxi11Simulator) => Promise<void>, device = 'inst0', options: Record<string, unknown> = {}): Promise<void> {
  const sim = await Vxi11Simulator.start();
  const address = device === 'inst0' ? 'TCPIP::127.0.0.1::INSTR' : `TCPIP0::127.0.0.1::${device}::INSTR`;
  await withConnectedDriver(sim, address, { portmapper_port: sim.portmapperPort, ...options }, fn);
}

test('VXI-11: the portmapper leads to the core channel and *IDN? identifies the instrument', async () => {
  await withVxi11Instrument(async (driver) => {
    assert.equal(await driver.identify!(), SIM_IDN);
  });
});

test('VXI-11: a GPIB gateway address (gpib0,7) opens a link to that device', async () => {
  await withVxi11Instrument(async (driver) => {
    assert.equal(await driver.identify!(), SIM_IDN);
  }, 'gpib0,7');
});

test('VXI-11: an unknown device name is refused with the VXI-11 error', async () => {
  const sim = await Vxi11Simulator.start();
  const driver = await createVisaDriver(visaContext('TCPIP::127.0.0.1::inst5::INSTR', { portmapper_port: sim.portmapperPort }));
  try {
    await assert.rejects(driver.connect(), /Instrument DMM1: cannot connect to TCPIP::127\.0\.0\.1::inst5::INSTR: .*create_link failed with VXI-11 error 21 \(invalid address\)/);
  } finally {
    await driver.close();
    await sim.stop();
  }
});

test('VXI-11: typed replies and a binary block with 0x0A inside', async () => {
  await withVxi11Instrument(async (driver) => {
    await driver.execute(visaCommand('SET_VOLT', 'VOLT 1.25', 'void'));
    assert.equal((await driver.execute(visaCommand('GET_VOLT', 'VOLT?', 'double'))).value, 1.25);
    assert.equal((await driver.execute(visaCommand('COUNT', 'COUNT?', 'int64'))).value, 42);
    const wave = await driver.execute(visaCommand('WAVEFORM', 'WAV:DATA?', 'array', { arrayDataType: 'float32' }));
    assert.deepEqual(wave.value, simulatedWaveform());
    const indefinite = await driver.execute(visaCommand('WAVEFORM_IND', 'WAV:IND?', 'array', { arrayDataType: 'float32' }));
    assert.deepEqual(indefinite.value, simulatedWaveform());
  });
});

test('VXI-11: a large block arrives over several device_read calls', async () => {
  await withVxi11Instrument(async (driver, sim) => {
    await driver.execute(visaCommand('POINTS', 'WAV:POINTS 100000', 'void'));
    const wave = await driver.execute(visaCommand('BIG', 'WAV:BIG?', 'array', { arrayDataType: 'float32' }));
    assert.equal((wave.value as Float32Array).length, 100000);
    assert.equal(sim.instrument.bigPoints, 100000);
    assert.equal((wave.value as Float32Array)[100], Math.fround(Math.sin(1)));
  });
});

test('VXI-11: the instrument reports an I/O timeout, the driver names the command, and the link stays usable', async () => {
  await withVxi11Instrument(async (driver) => {
    await assert.rejects(driver.execute(visaCommand('STALL', 'STALL?', 'double', { timeoutMs: 150 })), /Instrument DMM1: command STALL timed out after 150 ms/);
    assert.equal(await driver.identify!(), SIM_IDN);
  });
});

test('VXI-11: a connection dropped mid-reply fails that command, the next command reconnects', async () => {
  await withVxi11Instrument(async (driver, sim) => {
    await assert.rejects(driver.execute(visaCommand('WAVEFORM', 'DROP?', 'array')), /Instrument DMM1: command WAVEFORM failed: connection to VXI-11 127\.0\.0\.1 inst0 was closed by the instrument; the next command reconnects/);
    assert.equal(await driver.identify!(), SIM_IDN);
    assert.equal(sim.connections, 2);
  });
});

test('VXI-11: a garbage reply is a parse error naming the command', async () => {
  await withVxi11Instrument(async (driver) => {
    await assert.rejects(driver.execute(visaCommand('COUNT', 'GARBAGE?', 'int64')), /Instrument DMM1: command COUNT: cannot parse the reply as int64: reply "@@#!garbage!!" is not an integer/);
  });
});

test('VXI-11 simulator registered with rpcbind agrees with pyvisa-py, lxi and our driver on port 111', async (t) => {
  const portmapper = await useSystemPortmapper();
  if (!portmapper.ok) return t.skip(portmapper.reason);
  const sim = await Vxi11Simulator.start();
  try {
    assert.equal(await sim.registerWith(111), true, 'rpcbind accepted the registration');
    const driver = await createVisaDriver(visaContext('TCPIP::127.0.0.1::INSTR'));
    try {
      await driver.connect();
      assert.equal(await driver.identify!(), SIM_IDN);
    } finally {
      await driver.close();
    }
    await t.test('pyvisa-py', async (t) => {
      const missing = await pyvisaMissing();
      if (missing) return t.skip(missing);
      const answers = await pyvisaQuery('TCPIP::127.0.0.1::INSTR');
      assert.equal(answers.idn, SIM_IDN);
      assert.equal(Number(answers.volt), 2.75);
      assert.deepEqual(answers.waveform, Array.from(simulatedWaveform()));
    });
    await t.test('lxi scpi', async (t) => {
      const missing = lxiMissing();
      if (missing) return t.skip(missing);
      assert.equal(await lxiQuery('*IDN?'), SIM_IDN);
    });
  } finally {
    await sim.stop();
    await portmapper.stop();
  }
});
