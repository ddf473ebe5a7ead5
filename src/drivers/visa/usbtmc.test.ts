import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { SerialSimulator } from './simulators/serial-simulator.js';
import { SIM_IDN, simulatedWaveform } from './simulators/scpi-instrument.js';
import { visaCommand, visaContext } from './simulators/test-context.js';
import { UsbtmcTransport } from './usbtmc.js';
import { VisaDriver, visaOptions } from './visa-driver.js';

const socatMissing = ['/usr/bin/socat', '/usr/local/bin/socat'].some((p) => existsSync(p)) ? undefined : 'socat not installed: needed for the pty that stands in for /dev/usbtmc0';

// No USBTMC hardware here: a pty from socat stands in for the device file, since the transport
// only uses open/read/write/close on it, exactly as on /dev/usbtmc0.
test('USBTMC device file: *IDN?, typed replies and a binary block through plain file reads and writes', async (t) => {
  if (socatMissing) return t.skip(socatMissing);
  const sim = await SerialSimulator.start();
  const context = visaContext('/dev/usbtmc0');
  const options = visaOptions(context);
  const driver = new VisaDriver(context, new UsbtmcTransport(sim.clientPath, options.readTermination), options);
  try {
    await driver.connect();
    assert.equal(await driver.identify(), SIM_IDN);
    await driver.execute(visaCommand('SET_VOLT', 'VOLT 0.125', 'void'));
    assert.equal((await driver.execute(visaCommand('GET_VOLT', 'VOLT?', 'double'))).value, 0.125);
    assert.deepEqual((await driver.execute(visaCommand('WAVEFORM', 'WAV:DATA?', 'array', { arrayDataType: 'float32' }))).value, simulatedWaveform());
  } finally {
    await driver.close();
    await sim.stop();
  }
});

test('USBTMC: a device file that cannot be opened is a clear connect error', async () => {
  const context = visaContext('/dev/usbtmc9');
  const options = visaOptions(context);
  const driver = new VisaDriver(context, new UsbtmcTransport('/dev/usbtmc9', options.readTermination), options);
  await assert.rejects(driver.connect(), /Instrument DMM1: cannot connect to \/dev\/usbtmc9: cannot open USBTMC device \/dev\/usbtmc9: ENOENT/);
});
