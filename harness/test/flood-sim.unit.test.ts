/**
 * The graph generators (harness/graphs.ts) and the flood simulator (harness/flood-sim.ts), which runs the peer's
 * real FloodRouter and SearchResponder: counts that follow from the graph alone.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chooseReferrals } from '../../metadata-server/referral-policy.js';
import { FloodSim } from '../flood-sim.js';
import {
  describe,
  eccentricityOf,
  grow,
  hopsFrom,
  line,
  randomRegular,
  ring,
  seededRandom,
  wattsStrogatz,
  type Adjacency,
} from '../graphs.js';

const edges = (adj: Adjacency) => adj.reduce((n, ns) => n + ns.length, 0) / 2;

function assertSimple(adj: Adjacency): void {
  adj.forEach((ns, i) => {
    assert.ok(!ns.includes(i), `${i} links to itself`);
    assert.is(new Set(ns).size, ns.length, `${i} has a repeated edge`);
    for (const j of ns) assert.ok(adj[j]!.includes(i), `${i}-${j} is not symmetric`);
  });
}

test('a ring of 20 with hop limit k reaches exactly 2k+1 peers with 2k messages, no duplicates (k < 10)', async () => {
  const sim = new FloodSim(ring(20));
  for (let k = 1; k <= 9; k++) {
    const r = await sim.search(0, k);
    assert.equal([r.reached, r.sent, r.duplicates, r.maxHops], [2 * k + 1, 2 * k, 0, k], `k = ${k}`);
  }
  // k = 10 reaches the far side from both ways: one copy is a duplicate; beyond that the far peer forwards too.
  const ten = await sim.search(0, 10);
  assert.equal([ten.reached, ten.sent, ten.duplicates, ten.coverage], [20, 20, 1, 1]);
  const more = await sim.search(5, 30);
  assert.equal([more.reached, more.sent, more.duplicates], [20, 21, 2]);
});

test('a holder answers only when the hop limit reaches it (a line of 9: 8 hops end to end)', async () => {
  const sim = new FloodSim(line(9));
  assert.equal((await sim.search(0, 7, [8])).answered, [], 'hop limit 7 stops one short of the far end');
  const eight = await sim.search(0, 8, [8]);
  assert.equal(eight.answered, [8]);
  assert.equal([eight.reached, eight.sent, eight.duplicates, eight.maxHops], [9, 8, 0, 8]);
  assert.equal((await sim.search(4, 4, [0, 8])).answered, [0, 8], 'from the middle, 4 hops reach both ends');
});

test('once every peer is reached, each forwards to all neighbours but one: 2E-(N-1) messages, 2(E-N+1) duplicates', async () => {
  const random = seededRandom(7);
  for (const adj of [randomRegular(200, 4, random), wattsStrogatz(200, 6, 0.2, random), ring(31)]) {
    const sim = new FloodSim(adj);
    const shape = describe(adj);
    const r = await sim.search(3, shape.diameter + 1);
    const e = edges(adj);
    const n = adj.length;
    assert.equal([r.coverage, r.sent, r.duplicates], [1, 2 * e - (n - 1), 2 * (e - n + 1)]);
    // Copies travel one hop per round: every peer's first copy came the shortest way.
    const hops = hopsFrom(adj, 3);
    assert.is(r.maxHops, Math.max(...hops));
    assert.is(r.lastArrival, eccentricityOf(adj, 3));
  }
});

test('with hop limit = eccentricity every peer is reached; one less misses the farthest', async () => {
  const adj = wattsStrogatz(300, 4, 0.05, seededRandom(3));
  const sim = new FloodSim(adj);
  for (const origin of [0, 77, 299]) {
    const ecc = eccentricityOf(adj, origin);
    const farthest = [...hopsFrom(adj, origin)].flatMap((h, i) => (h === ecc ? [i] : []));
    const enough = await sim.search(origin, ecc, farthest);
    assert.is(enough.coverage, 1);
    assert.equal(enough.answered, farthest);
    const short = await sim.search(origin, ecc - 1, farthest);
    assert.is(short.reached, adj.length - farthest.length);
    assert.equal(short.answered, []);
  }
});

test('random per-link latency: copies take longer paths first, the flood still reaches everyone once hops suffice', async () => {
  const adj = randomRegular(300, 3, seededRandom(11));
  const random = seededRandom(5);
  const delay = new Map<number, number>();
  const latency = (a: number, b: number) => {
    const key = Math.min(a, b) * adj.length + Math.max(a, b);
    if (!delay.has(key)) delay.set(key, 1 + Math.floor(random() * 10));
    return delay.get(key)!;
  };
  const sim = new FloodSim(adj, { latency });
  const r = await sim.search(0, 32);
  assert.is(r.coverage, 1);
  assert.ok(r.maxHops > eccentricityOf(adj, 0), `some first copies came a longer way (${r.maxHops} hops)`);
  assert.is(r.sent, 2 * edges(adj) - (adj.length - 1), 'the count of copies does not depend on their order');
});

test('generators: regular, small-world and referral-grown graphs are simple and of the degrees asked', () => {
  const random = seededRandom(1);
  for (const d of [3, 4, 5, 6, 7, 8]) {
    const adj = randomRegular(1000, d, random);
    assertSimple(adj);
    assert.ok(
      adj.every((ns) => ns.length === d),
      `${d}-regular`,
    );
  }
  const ws = wattsStrogatz(1000, 4, 0.1, random);
  assertSimple(ws);
  assert.is(edges(ws), 2000, 'rewiring keeps the edge count');
  assert.equal(wattsStrogatz(10, 4, 0, random)[0], [1, 2, 8, 9], 'beta 0: the ring lattice');

  // The metadata server's own referrals, join by join: s1…s5 as docs/PROTOCOL.md "Peer ↔ metadata server" says.
  const five = grow(5, (g) => chooseReferrals(g, 'mesh'));
  assert.equal(five, [
    [1, 2, 4],
    [0, 3],
    [0, 3],
    [1, 2, 4],
    [0, 3],
  ]);
  const big = grow(300, (g) => chooseReferrals(g, 'mesh'));
  assertSimple(big);
  assert.ok(describe(big).connected);
  assert.equal(
    grow(4, (g) => chooseReferrals(g, 'line')),
    line(4),
  );
});

test.run();
