/**
 * The network interface that holds an address, and its IPv4 broadcast address: discovery datagrams go out of that
 * interface only (docs/CONTRACT.md "Mirror, discovery and bandwidth"), so a process bound to loopback announces on
 * loopback and nothing leaves the machine. Pure: the interface table is passed in (os.networkInterfaces() by default).
 *
 * May import: Node's standard library only.
 */
import { isIPv4 } from 'node:net';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

export interface LanInterface {
  /** The interface's name (`lo`, `eth0`). */
  name: string;
  /** The address looked for. */
  address: string;
  /** Its IPv4 broadcast address, from the address and netmask (127.255.255.255 for 127.0.0.1/8). */
  broadcast: string;
}

function toInt(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function toIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** `address | ~netmask`: the address every host of the subnet receives. */
export function broadcastOf(address: string, netmask: string): string {
  const mask = toInt(netmask);
  return toIp(((toInt(address) & mask) | ~mask) >>> 0);
}

/**
 * The interface holding IPv4 address `address`, or the sentence saying why discovery cannot use it (a wildcard,
 * an IPv6 or unknown address, a /31 or /32 subnet with no room for a broadcast).
 */
export function lanInterfaceOf(
  address: string,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): LanInterface | { problem: string } {
  if (address === '0.0.0.0') return { problem: '0.0.0.0 is every interface at once: pass one address with --host' };
  if (!isIPv4(address)) return { problem: `${address} is not an IPv4 address (discovery uses IPv4 broadcast)` };
  for (const [name, entries] of Object.entries(interfaces)) {
    // Loopback holds its whole subnet (127.0.0.2 is this machine too, though only 127.0.0.1 is listed).
    const entry = entries?.find(
      (e) =>
        e.family === 'IPv4' &&
        (e.address === address ||
          (e.internal && broadcastOf(e.address, e.netmask) === broadcastOf(address, e.netmask))),
    );
    if (!entry) continue;
    const broadcast = broadcastOf(address, entry.netmask);
    const prefix = entry.netmask
      .split('.')
      .reduce((n, part) => n + Number(part).toString(2).replace(/0/g, '').length, 0);
    if (prefix > 30) return { problem: `${address} is on a /${prefix} subnet of ${name}, which has no broadcast` };
    return { name, address, broadcast };
  }
  return { problem: `${address} is not an address of any interface of this machine` };
}
