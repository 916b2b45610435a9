/**
 * A second network for hosts made by harness/lan-hosts.ts: plugs a host of one LAN (an office) into another LAN's
 * bridge too (the test's "internet"), as `eth1` with an address on that LAN. The host then has an address on both,
 * and no route between them: nothing forwards (docs/BEYOND-LAN.md "Testing it without the public DHT"). The veth
 * pair goes with the host's namespace when its LAN is taken down.
 */
import { execFileSync } from 'node:child_process';
import type { LanHosts } from './lan-hosts.js';

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

let plugged = 0;

/** Plugs namespace `ns` into `lan` as `eth1` at `${lan.subnet}.${hostNumber}`; returns that address. */
export function plugInto(lan: LanHosts, ns: string, hostNumber: number): string {
  const outside = `${lan.tag}w${plugged++}`;
  ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', 'eth1', 'netns', ns);
  ip('link', 'set', outside, 'master', lan.bridge);
  ip('link', 'set', outside, 'up');
  const address = `${lan.subnet}.${hostNumber}`;
  ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth1');
  ip('-n', ns, 'link', 'set', 'eth1', 'up');
  return address;
}

/** Can namespace `ns` route to `address` at all? (`ip route get` fails with "Network is unreachable" if not.) */
export function routes(ns: string, address: string): boolean {
  try {
    ip('-n', ns, 'route', 'get', address);
    return true;
  } catch {
    return false;
  }
}
