import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ownerOf, testnetTag } from '../owner.js';
import {
  chooseSubnet,
  cidrRange,
  namesRefusal,
  netemRefusal,
  rootRefusal,
  subnetConflicts,
  subnetRefusal,
} from '../preflight.js';

/** What `ip -4 addr` and `ip -4 route show table all` print on a machine with a LAN and a VPN route. */
const ADDR = `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000
    inet 127.0.0.1/8 scope host lo
4: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1400 qdisc pfifo_fast state UP group default qlen 1000
    inet 192.168.1.20/24 brd 192.168.1.255 scope global eth0
`;
const ROUTE = `default via 192.168.1.1 dev eth0
10.214.0.0/16 via 192.168.1.254 dev eth0
192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.20
local 192.168.1.20 dev eth0 table local proto kernel scope host src 192.168.1.20
broadcast 192.168.1.255 dev eth0 table local proto kernel scope link src 192.168.1.20
blackhole 10.99.7.0/24
`;

test('a /24 is refused when an address or a route of any table overlaps it; the default route does not count', () => {
  assert.equal(cidrRange('10.1.2.3/24'), [cidrRange('10.1.2.0')![0], cidrRange('10.1.2.255')![0]]);
  assert.is(cidrRange('300.1.1.1'), undefined);
  assert.equal(subnetConflicts('10.7.7', ADDR, ROUTE), []);
  assert.equal(subnetConflicts('127.0.5', ADDR, ROUTE), ['address 127.0.0.1/8']);
  assert.equal(subnetConflicts('192.168.1', ADDR, ROUTE), [
    'address 192.168.1.20/24',
    'route 192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.20',
    'route local 192.168.1.20 dev eth0 table local proto kernel scope host src 192.168.1.20',
    'route broadcast 192.168.1.255 dev eth0 table local proto kernel scope link src 192.168.1.20',
  ]);
  assert.equal(subnetConflicts('10.214.9', ADDR, ROUTE), ['route 10.214.0.0/16 via 192.168.1.254 dev eth0']);
  assert.equal(subnetConflicts('10.99.7', ADDR, ROUTE), ['route blackhole 10.99.7.0/24']);
  assert.match(
    subnetRefusal('192.168.1', { addr: ADDR, route: ROUTE }) ?? '',
    /^subnet 192\.168\.1\.0\/24 overlaps this machine's address 192\.168\.1\.20\/24: choose another with --subnet$/,
  );
  assert.is(subnetRefusal('10.7.7', { addr: ADDR, route: ROUTE }), undefined);
});

test('the subnet chosen is a free 10.214.x, and none when every one is taken', () => {
  let x = 0;
  const free = chooseSubnet(ADDR, '10.214.0.0/24 dev tun0\n', () => (x++ === 0 ? 0 : 0.5));
  assert.is(free, '10.214.128');
  assert.is(chooseSubnet(ADDR, ROUTE), undefined, 'a /16 route covers every candidate');
});

test('refusals: not root, names in use, netem missing (only when asked for)', () => {
  assert.is(rootRefusal(0), undefined);
  assert.match(rootRefusal(1000) ?? '', /^testnet needs root/);
  assert.is(namesRefusal(['a-s1', 'a-s2'], ['other', 'b-s1']), undefined);
  assert.match(namesRefusal(['a-s1', 'a-s2'], ['a-s2']) ?? '', /^network namespace a-s2 already exists/);
  const missing = () => false;
  assert.is(netemRefusal({ delayMs: undefined, lossPct: undefined }, missing), undefined);
  assert.is(
    netemRefusal({ delayMs: 20, lossPct: undefined }, () => true),
    undefined,
  );
  assert.is(
    netemRefusal({ delayMs: 20, lossPct: 1 }, missing),
    '--delay and --loss need the tc netem qdisc, which this kernel lacks (sch_netem): run without --delay and --loss',
  );
});

test("a testnet's namespaces carry its owner's process id", () => {
  assert.is(testnetTag(4242), 'p2ptn-4242');
  assert.is(ownerOf('p2ptn-4242-s3'), 4242);
  assert.is(ownerOf('p2ptn-4242-t1-sw'), 4242);
  assert.is(ownerOf('p2p12345h0'), undefined);
  assert.is(ownerOf('p2ptn-x-s1'), undefined);
});

test.run();
