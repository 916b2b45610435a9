/**
 * Many peers joining at once (docs/CONTRACT.md "Many hosts and the query trace"): thirty real peers started in the
 * same moment on loopback race their joins; the metadata server's referrals must still give a connected mesh with
 * balanced neighbour counts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PeerEvent } from '../control/peer-events.js';
import { Mesh } from '../../harness/mesh.js';
import { REFERRAL_MAX_DEGREE } from '../../metadata-server/referral-policy.js';

const COUNT = 30;
type Topology = Extract<PeerEvent, { event: 'topology' }>;

function connected(peers: Topology['peers']): boolean {
  const byName = new Map(peers.map((p) => [p.name, p]));
  const seen = new Set([peers[0]!.name]);
  const queue = [peers[0]!.name];
  for (let i = 0; i < queue.length; i++)
    for (const n of byName.get(queue[i]!)?.neighbours ?? [])
      if (!seen.has(n) && byName.has(n)) (seen.add(n), queue.push(n));
  return seen.size === peers.length;
}

test(`${COUNT} peers started at once form one mesh, at most ${REFERRAL_MAX_DEGREE} neighbours each, median at least 2`, async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer(['--max-peers', String(COUNT)]);
    const names = Array.from({ length: COUNT }, (_, i) => `m${i}`);
    const peers = await Promise.all(names.map((n) => mesh.startPeer(n, [], false)));
    await Promise.all(peers.map((p) => p.waitFor('ready', 45_000)));
    // Links the last peers dialled are reported within moments; TOPO shows the whole mesh soon after.
    let topo: Topology['peers'] = [];
    for (const until = Date.now() + 15_000; Date.now() < until; await new Promise((r) => setTimeout(r, 500))) {
      topo = ((await peers[0]!.ask('TOPO', 'topology', 5000)) as Topology).peers;
      if (topo.length === COUNT && connected(topo)) break;
    }
    assert.is(topo.length, COUNT, `TOPO lists ${topo.map((p) => p.name).join(' ')}`);
    assert.ok(connected(topo), 'the neighbour links connect every peer');
    const degrees = topo.map((p) => p.neighbours.length).sort((a, b) => a - b);
    const shown = topo.map((p) => `${p.name}:${p.neighbours.length}`).join(' ');
    if (degrees.at(-1)! > REFERRAL_MAX_DEGREE) console.log(mesh.serverOutput);
    assert.ok(degrees.at(-1)! <= REFERRAL_MAX_DEGREE, `most neighbours ${degrees.at(-1)}: ${shown}`);
    assert.ok(degrees[Math.floor(COUNT / 2)]! >= 2, `median ${degrees[Math.floor(COUNT / 2)]}: ${shown}`);
    for (const p of topo)
      for (const n of p.neighbours)
        assert.ok(topo.find((q) => q.name === n)?.neighbours.includes(p.name), `${n} lists ${p.name} back`);
  } finally {
    await mesh.close();
  }
});

test.run();
