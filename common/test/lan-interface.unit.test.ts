/** The interface and broadcast address discovery uses (common/lan-interface.ts), and its port setting. */
import type { NetworkInterfaceInfo } from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DISCOVERY_PORT, discoveryPortOf } from '../discovery-socket.js';
import { broadcastOf, lanInterfaceOf } from '../lan-interface.js';

function v4(address: string, netmask: string, internal = false): NetworkInterfaceInfo {
  return { address, netmask, family: 'IPv4', mac: '00:00:00:00:00:00', internal, cidr: null };
}

const table = {
  lo: [v4('127.0.0.1', '255.0.0.0', true)],
  eth0: [v4('192.168.1.77', '255.255.255.0'), v4('172.16.9.5', '255.255.240.0')],
  tun0: [v4('10.9.9.9', '255.255.255.255')],
};

test('the broadcast address is the address with every host bit set', () => {
  assert.is(broadcastOf('127.0.0.1', '255.0.0.0'), '127.255.255.255');
  assert.is(broadcastOf('10.213.5.1', '255.255.255.0'), '10.213.5.255');
  assert.is(broadcastOf('192.168.1.77', '255.255.255.252'), '192.168.1.79');
  assert.is(broadcastOf('172.16.9.5', '255.255.240.0'), '172.16.15.255');
});

test('the interface holding the address is found, loopback by default, a LAN address on its own interface', () => {
  assert.equal(lanInterfaceOf('127.0.0.1', table), { name: 'lo', address: '127.0.0.1', broadcast: '127.255.255.255' });
  assert.equal(lanInterfaceOf('172.16.9.5', table), {
    name: 'eth0',
    address: '172.16.9.5',
    broadcast: '172.16.15.255',
  });
  // Loopback answers for its whole subnet; another interface only for the addresses it holds.
  assert.equal(lanInterfaceOf('127.0.0.2', table), { name: 'lo', address: '127.0.0.2', broadcast: '127.255.255.255' });
  assert.match((lanInterfaceOf('192.168.1.78', table) as { problem: string }).problem, /not an address of any/);
});

test('a wildcard, IPv6, unknown or /32 address gets a sentence, not an interface', () => {
  const problem = (address: string) => (lanInterfaceOf(address, table) as { problem?: string }).problem ?? '';
  assert.match(problem('0.0.0.0'), /every interface/);
  assert.match(problem('::1'), /not an IPv4 address/);
  assert.match(problem('10.1.1.1'), /not an address of any interface/);
  assert.match(problem('10.9.9.9'), /\/32 subnet of tun0/);
});

test('the discovery port: the flag, else the environment, else the well-known port; nonsense is refused', () => {
  assert.is(discoveryPortOf(undefined, undefined), DISCOVERY_PORT);
  assert.is(discoveryPortOf(undefined, '47001'), 47001);
  assert.is(discoveryPortOf('47002', '47001'), 47002);
  assert.throws(() => discoveryPortOf('0', undefined), /--discovery-port must be a UDP port/);
  assert.throws(() => discoveryPortOf(undefined, 'x'), /MESHSHARE_DISCOVERY_PORT must be a UDP port/);
});

test.run();
