import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVisaDriver } from './index.js';
import { ScpiSocketSimulator } from './simulators/socket-simulator.js';
import { SIM_IDN, simulatedWaveform } from './simulators/scpi-instrument.js';
import { visaCommand, visaContext, withConnectedDriver } from './simulators/test-context.js';
import { lxiMissing, lxiQuery, pyvisaMissing, pyvisaQuery } from './simulators/independent-clients.js';
import type { Driver } from '../driver.js';

async function withSocketInstrument(fn: (driver: Driver, sim: ScpiSocketSimulator) => Promise<void>, options: Record<string, unknown> = {}): Promise<void> {
  const sim = await ScpiSocketSimulator.start();
  await withConnectedDriver(sim, sim.address, options, fn);
}

test('raw socket: *IDN? identifies the instrument', async () => {
  await withSocketInstrument(async (driver) => {
    assert.equal(await driver.identify!(), SIM_IDN);
  });
});

test('raw socket: replies are parsed into the declared return types, writes read nothing', async () => {
  await withSocketInstrument(async (driver) => {
    assert.deepEqual(await driver.execute(visaCommand('SET_VOLT', 'VOLT 2.5', 'void')), { value: undefined });
    assert.equal((await driver.execute(visaCommand('GET_VOLT', 'VOLT?', 'double'))).value, 2.5);
    assert.equal((await driver.execute(visaCommand('MEASURE', 'MEAS:VOLT?', 'double'))).value, 1.23456);
    assert.equal((await driver.execute(visaCommand('COUNT', 'COUNT?', 'int64'))).value, 42);
    assert.equal((await driver.execute(visaCommand('BIG', 'BIGCOUNT?', 'int64'))).value, 9007199254740993n);
    await driver.execute(visaCommand('OUTPUT_ON', 'OUTP ON', 'void'));
    assert.equal((await driver.execute(visaCommand('OUTPUT', 'OUTP?', 'bool'))).value, true);
    assert.equal((await driver.execute(visaCommand('STATUS', 'STATUS?', 'string'))).value, '"RUNNING"');
    const list = await driver.execute(visaCommand('LIST', 'LIST?', 'array'));
    assert.deepEqual(Array.from(list.value as Float64Array), [1.5, 2.5, -3.25]);
  });
});

test('raw socket: a binary block whose payload contains 0x0A arrives whole as float32', async () => {
  await withSocketInstrument(async (driver) => {
    const reply = await driver.execute(visaCommand('WAVEFORM', 'WAV:DATA?', 'array', { arrayDataType: 'float32' }));
    assert.equal(reply.dataType, 'float32');
    assert.ok(reply.value instanceof Float32Array);
    assert.deepEqual(reply.value, simulatedWaveform());
    assert.ok(Buffer.from(simulatedWaveform().buffer).includes(0x0a), 'the test payload must contain a newline byte');
    // The connection is still in step: the next query gets its own reply.
    assert.equal(await driver.identify!(), SIM_IDN);
  });
});

test("raw socket: a command's own data_type wins over the connection's", async () => {
  await withSocketInstrument(async (driver) => {
    const reply = await driver.execute(visaCommand('WAVEFORM', 'WAV:DATA?', 'array', { arrayDataType: 'float32', blockDataType: 'float32' }));
    assert.equal(reply.dataType, 'float32');
    assert.deepEqual(reply.value, simulatedWaveform());
  }, { data_type: 'int32' });
});

test('raw socket: the data type may come from connection.options.data_type', async () => {
  await withSocketInstrument(async (driver) => {
    // The API loader fills float64 when a command declares no element type; the connection's data_type wins for blocks.
    const reply = await driver.execute(visaCommand('WAVEFORM', 'WAV:DATA?', 'array', { arrayDataType: 'float64' }));
    assert.equal(reply.dataType, 'float32');
    assert.deepEqual(reply.value, simulatedWaveform());
  }, { data_type: 'float32' });
});

test('raw socket: a query without a reply times out with a clear message and the next command works', async () => {
  await withSocketInstrument(async (driver) => {
    await assert.rejects(driver.execute(visaCommand('STALL', 'STALL?', 'double', { timeoutMs: 150 })), /Instrument DMM1: command STALL timed out after 150 ms/);
    assert.equal(await driver.identify!(), SIM_IDN);
  });
});

test('raw socket: a connection closed mid-reply fails that command clearly, the next command reconnects', async () => {
  await withSocketInstrument(async (driver, sim) => {
    await assert.rejects(
      driver.execute(visaCommand('WAVEFORM', 'DROP?', 'array')),
      /Instrument DMM1: command WAVEFORM failed: connection to raw socket 127\.0\.0\.1:\d+ was closed by the instrument after 15 bytes of the reply; the next command reconnects/,
    );
    assert.equal(sim.connections, 1);
    assert.equal(await driver.identify!(), SIM_IDN);
    assert.equal(sim.connections, 2);
  });
});

test('raw socket: with reconnect: false a lost connection stays lost and says so', async () => {
  await withSocketInstrument(async (driver) => {
    await assert.rejects(driver.execute(visaCommand('WAVEFORM', 'DROP?', 'array')), /reconnect is disabled/);
    await assert.rejects(driver.execute(visaCommand('IDN', '*IDN?', 'string')), /command IDN not sent: the connection was lost earlier .* and reconnect is disabled/);
  }, { reconnect: false });
});

test('raw socket: a garbage reply is a parse error naming the instrument, the command and the reply', async () => {
  await withSocketInstrument(async (driver) => {
    await assert.rejects(
      driver.execute(visaCommand('MEASURE', 'GARBAGE?', 'double')),
      /^Error: Instrument DMM1: command MEASURE: cannot parse the reply as double: reply "@@#!garbage!!" is not a number$/,
    );
  });
});

test('raw socket: termination characters are configurable', async () => {
  await withSocketInstrument(async (driver) => {
    await driver.execute(visaCommand('SET_VOLT', 'VOLT 3.5', 'void'));
    assert.equal((await driver.execute(visaCommand('GET_VOLT', 'VOLT?', 'double'))).value, 3.5);
  }, { write_termination: '\\r\\n' });
});

test('raw socket simulator agrees with pyvisa-py (independent client)', async (t) => {
  const missing = await pyvisaMissing();
  if (missing) return t.skip(missing);
  const sim = await ScpiSocketSimulator.start();
  try {
    const answers = await pyvisaQuery(sim.address);
    assert.equal(answers.idn, SIM_IDN);
    assert.equal(Number(answers.volt), 2.75);
    assert.deepEqual(answers.waveform, Array.from(simulatedWaveform()));
  } finally {
    await sim.stop();
  }
});

test('raw socket simulator agrees with lxi scpi --raw (independent client)', async (t) => {
  const missing = lxiMissing();
  if (missing) return t.skip(missing);
  const sim = await ScpiSocketSimulator.start();
  try {
    assert.equal(await lxiQuery('*IDN?', sim.port), SIM_IDN);
  } finally {
    await sim.stop();
  }
});

test('raw socket: an instrument that is not listening is a clear connect error', async () => {
  const sim = await ScpiSocketSimulator.start();
  const address = sim.address;
  await sim.stop();
  const driver = await createVisaDriver(visaContext(address));
  await assert.rejects(driver.connect(), new RegExp(`^Error: Instrument DMM1: cannot connect to TCPIP::127\\.0\\.0\\.1::\\d+::SOCKET: cannot connect to raw socket 127\\.0\\.0\\.1:\\d+: connect ECONNREFUSED`));
  await driver.close();
});
