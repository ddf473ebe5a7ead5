import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseResourceString } from './resource-string.js';

test('resource strings select the transport the address names', () => {
  assert.deepEqual(parseResourceString('TCPIP::192.168.0.5::5025::SOCKET'), { kind: 'socket', board: 0, host: '192.168.0.5', port: 5025 });
  assert.deepEqual(parseResourceString('TCPIP1::scope.lab::5025::SOCKET'), { kind: 'socket', board: 1, host: 'scope.lab', port: 5025 });
  assert.deepEqual(parseResourceString('TCPIP::192.168.0.5::INSTR'), { kind: 'vxi11', board: 0, host: '192.168.0.5', device: 'inst0' });
  assert.deepEqual(parseResourceString('TCPIP0::host::inst0::INSTR'), { kind: 'vxi11', board: 0, host: 'host', device: 'inst0' });
  assert.deepEqual(parseResourceString('TCPIP::gw::gpib0,7::INSTR'), { kind: 'vxi11', board: 0, host: 'gw', device: 'gpib0,7' });
  assert.deepEqual(parseResourceString('tcpip::host::hislip0::instr'), { kind: 'hislip', board: 0, host: 'host', device: 'hislip0', port: 4880 });
  assert.deepEqual(parseResourceString('TCPIP::host::hislip0,5000::INSTR'), { kind: 'hislip', board: 0, host: 'host', device: 'hislip0', port: 5000 });
  assert.deepEqual(parseResourceString('ASRL/dev/ttyUSB0::INSTR'), { kind: 'serial', path: '/dev/ttyUSB0' });
  assert.deepEqual(parseResourceString('ASRL1::INSTR'), { kind: 'serial', path: '/dev/ttyS0' });
  assert.deepEqual(parseResourceString('/dev/ttyACM0'), { kind: 'serial', path: '/dev/ttyACM0' });
  assert.deepEqual(parseResourceString('/dev/usbtmc0'), { kind: 'usbtmc', path: '/dev/usbtmc0' });
});

test('an address that is no VISA resource is refused with the forms that are understood', () => {
  assert.throws(() => parseResourceString('GPIB0::7::INSTR'), /VISA address "GPIB0::7::INSTR" has an unknown interface type; understood forms: TCPIP\[n\]::host::port::SOCKET/);
  assert.throws(() => parseResourceString('TCPIP::host::99999::SOCKET'), /invalid port "99999"/);
  assert.throws(() => parseResourceString('TCPIP::host::5025'), /ends in "5025", expected SOCKET or INSTR/);
  assert.throws(() => parseResourceString('USB0::0x1234::0x5678::INSTR'), /unknown interface type/);
});
