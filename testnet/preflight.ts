import { execFileSync } from 'node:child_process';
import { listNamespaces, netemAvailable } from '../harness/lan-hosts.js';
import type { TestnetOptions } from './testnet-options.js';

/**
 * Why the testnet will not start here, checked before it makes anything (testnet/README.md "Refusals"): each is one
 * sentence, and the tool exits 2. It never touches this machine's own interfaces or routes; it also refuses a range
 * that this machine uses, so that an address on the testnet is never also one of the machine's real neighbours.
 */

/** A range of IPv4 addresses as [first, last] numbers. */
type Range = [number, number];

function toNumber(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

/** `10.1.2.0/24` (or a bare address, a /32) → its range; undefined when it is not one. */
export function cidrRange(text: string): Range | undefined {
  const [address, lengthText] = text.split('/');
  const length = lengthText === undefined ? 32 : Number(lengthText);
  const start = toNumber(address ?? '');
  if (start === undefined || !Number.isInteger(length) || length < 0 || length > 32) return undefined;
  const size = 2 ** (32 - length);
  const first = Math.floor(start / size) * size;
  return [first, first + size - 1];
}

/** Route types that precede the destination in `ip route` output (`local 127.0.0.1 …`). */
const ROUTE_TYPES = new Set([
  'unicast',
  'local',
  'broadcast',
  'multicast',
  'unreachable',
  'prohibit',
  'blackhole',
  'throw',
  'nat',
  'anycast',
]);

/**
 * The machine's addresses and routes (`ip -4 addr`, `ip -4 route show table all` output) that overlap `subnet`'s
 * /24, as they were printed. Default routes do not count: they cover everything and are what "not on this LAN"
 * means.
 */
export function subnetConflicts(subnet: string, addrText: string, routeText: string): string[] {
  const ours = cidrRange(`${subnet}.0/24`)!;
  const hits = (r: Range | undefined) => r !== undefined && r[0] <= ours[1] && ours[0] <= r[1];
  const found: string[] = [];
  for (const m of addrText.matchAll(/\binet (\d+\.\d+\.\d+\.\d+(?:\/\d+)?)/g)) {
    if (hits(cidrRange(m[1]!))) found.push(`address ${m[1]}`);
  }
  for (const line of routeText.split('\n')) {
    const words = line.trim().split(/\s+/);
    const destination = ROUTE_TYPES.has(words[0] ?? '') ? words[1] : words[0];
    if (!destination || destination === 'default') continue;
    if (hits(cidrRange(destination))) found.push(`route ${line.trim()}`);
  }
  return found;
}

/** The machine's view: its addresses and every route of every table. */
export function machineAddressesAndRoutes(): { addr: string; route: string } {
  const run = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { addr: run('-4', 'addr'), route: run('-4', 'route', 'show', 'table', 'all') };
}

/** A free 10.214.x (x from `random()`), or undefined after 100 tries. */
export function chooseSubnet(addr: string, route: string, random = Math.random): string | undefined {
  for (let tries = 0; tries < 100; tries++) {
    const candidate = `10.214.${Math.floor(random() * 256)}`;
    if (subnetConflicts(candidate, addr, route).length === 0) return candidate;
  }
  return undefined;
}

/** Only root may make namespaces: the sentence for anyone else, or undefined. */
export function rootRefusal(uid = process.getuid?.()): string | undefined {
  return uid === 0
    ? undefined
    : 'testnet needs root to make network namespaces: run it as root (e.g. sudo npm run testnet)';
}

/** The sentence refusing `subnet`, or undefined when it is free here. */
export function subnetRefusal(subnet: string, view = machineAddressesAndRoutes()): string | undefined {
  const conflicts = subnetConflicts(subnet, view.addr, view.route);
  if (conflicts.length === 0) return undefined;
  return `subnet ${subnet}.0/24 overlaps this machine's ${conflicts[0]}: choose another with --subnet`;
}

/** The sentence refusing names that exist already (someone else's namespaces), or undefined. */
export function namesRefusal(wanted: string[], existing = listNamespaces()): string | undefined {
  const taken = wanted.filter((n) => existing.includes(n));
  if (taken.length === 0) return undefined;
  return `network namespace ${taken.join(', ')} already exists and is not this testnet's: not touching it`;
}

/** The sentence refusing `--delay` / `--loss` on a kernel without netem, or undefined. */
export function netemRefusal(
  options: Pick<TestnetOptions, 'delayMs' | 'lossPct'>,
  probe = netemAvailable,
): string | undefined {
  const asked = [options.delayMs !== undefined ? '--delay' : '', options.lossPct !== undefined ? '--loss' : ''].filter(
    Boolean,
  );
  if (asked.length === 0 || probe()) return undefined;
  return `${asked.join(' and ')} ${asked.length > 1 ? 'need' : 'needs'} the tc netem qdisc, which this kernel lacks (sch_netem): run without ${asked.join(' and ')}`;
}
