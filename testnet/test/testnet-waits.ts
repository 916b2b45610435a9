/**
 * What the testnet's suites share: a testnet on a free subnet owned by this test process, TOPO until it shows what
 * is wanted, a download's outcome, the state of a peer's folders.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { PeerEvent } from '../../peer/control/peer-events.js';
import type { PeerProcess } from '../../harness/mesh.js';
import { chooseSubnet, machineAddressesAndRoutes } from '../preflight.js';
import { testnetTag } from '../owner.js';
import { Testnet, type TestnetConfig } from '../testnet.js';

export type Topology = Extract<PeerEvent, { event: 'topology' }>;
export type Outcome = Extract<PeerEvent, { event: 'download-complete' | 'download-failed' | 'not-found' }>;

let made = 0;

/** A testnet of `peers` hosts owned by this process (`p2ptn-PID-tN-…`: swept as leftovers if this process dies). */
export function testnet(peers: number, config: Partial<TestnetConfig> = {}): Testnet {
  const view = machineAddressesAndRoutes();
  const subnet = chooseSubnet(view.addr, view.route);
  if (!subnet) throw new Error('no free 10.214.x here');
  return new Testnet({ peers, subnet, tag: `${testnetTag()}-t${++made}`, ...config });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Asks `peer` for TOPO until `done(topology)` holds (or `ms` ran out); returns the last answer. */
export async function topologyUntil(peer: PeerProcess, done: (t: Topology) => boolean, ms: number): Promise<Topology> {
  let last: Topology | undefined;
  for (const until = Date.now() + ms; ; await sleep(300)) {
    last = (await peer.ask('TOPO', 'topology', 5000)) as Topology;
    if (done(last) || Date.now() > until) return last;
  }
}

/** Every peer can reach every other through neighbour links (one component). */
export function connected(t: Topology): boolean {
  const links = new Map(t.peers.map((p) => [p.name, p.neighbours]));
  const seen = new Set<string>([t.peers[0]?.name ?? '']);
  for (const queue = [...seen]; queue.length > 0;) {
    for (const n of links.get(queue.shift()!) ?? []) if (!seen.has(n) && links.has(n)) (seen.add(n), queue.push(n));
  }
  return seen.size === t.peers.length;
}

/** Types a file name on `peer` and resolves with how that download ended. */
export function download(peer: PeerProcess, line: string, ms = 20_000): Promise<Outcome> {
  return peer.ask(
    line,
    (e) => e.event === 'download-complete' || e.event === 'download-failed' || e.event === 'not-found',
    ms,
  ) as Promise<Outcome>;
}

/** Files (relative paths) under a folder, or [] when it does not exist. */
export function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
      .sort();
  } catch {
    return [];
  }
}
