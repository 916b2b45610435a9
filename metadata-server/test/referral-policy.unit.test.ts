import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { graphFromEdges, type MeshGraph } from '../mesh-graph.js';
import { chooseReferrals, REFERRAL_MAX_DEGREE, type Topology } from '../referral-policy.js';
import { RegistryFixture } from './registry-fixture.js';

/** Joins `names` in order on a pure graph, each newcomer linking to its referrals; returns who was referred to whom. */
function grow(names: string[], topology: Topology): Record<string, string[]> {
  const edges: [string, string][] = [];
  const out: Record<string, string[]> = {};
  for (let i = 0; i < names.length; i++) {
    const graph = graphFromEdges(names.slice(0, i), edges);
    const referred = chooseReferrals(graph, topology).map((k) => graph.nodes.find((n) => n.key === k)!.name);
    out[names[i]!] = referred;
    for (const r of referred) edges.push([names[i]!, r]);
  }
  return out;
}

const names = (graph: MeshGraph, keys: number[]) => keys.map((k) => graph.nodes.find((n) => n.key === k)!.name);

test('mesh policy: s1…s5 joining in order give s2→s1, s3→s1, s4→s2+s3, s5→s1+s4', () => {
  assert.equal(grow(['s1', 's2', 's3', 's4', 's5'], 'mesh'), {
    s1: [],
    s2: ['s1'],
    s3: ['s1'],
    s4: ['s2', 's3'],
    s5: ['s1', 's4'],
  });
});

test('mesh policy through the registry gives the same referrals (diameter 2)', () => {
  const f = new RegistryFixture();
  const got = ['s1', 's2', 's3', 's4', 's5'].map((name, i) => f.joinLive(i + 1, name).referrals);
  assert.equal(got, [[], ['s1'], ['s1'], ['s2', 's3'], ['s1', 's4']]);
});

test('line policy refers each newcomer to the most recently joined live peer', () => {
  assert.equal(grow(['a', 'b', 'c', 'd'], 'line'), { a: [], b: ['a'], c: ['b'], d: ['c'] });
  const f = new RegistryFixture({ topology: 'line' });
  f.joinLive(1, 'a');
  f.joinLive(2, 'b');
  f.send(2, 'leave', { reason: 'test' });
  assert.equal(f.joinLive(3, 'c').referrals, ['a'], 'a peer that left is never referred');
});

test('only live peers are referred: a peer still joining is skipped', () => {
  const f = new RegistryFixture();
  f.joinLive(1, 's1');
  f.join(2, 's2'); // welcomed, never reports listening
  assert.equal(f.joinLive(3, 's3').referrals, ['s1']);
});

test('a peer cut off from the first referral counts as the farthest', () => {
  // s1-s2 connected, s3 isolated; fewest neighbours is s3 (0) → first; farthest from s3: both unreachable, tie on
  // degree (1 each) → earliest joined.
  const graph = graphFromEdges(['s1', 's2', 's3'], [['s1', 's2']]);
  const names = chooseReferrals(graph, 'mesh').map((k) => graph.nodes[k]!.name);
  assert.equal(names, ['s3', 's1']);
});

test('links promised to a peer count as its degree; a peer at the maximum is passed over while others are not', () => {
  const graph = graphFromEdges(['s1', 's2', 's3'], [['s1', 's2']]);
  graph.nodes[2]!.reserved = 2; // s3: alone, but two newcomers were just referred to it
  assert.equal(names(graph, chooseReferrals(graph, 'mesh')), ['s1', 's3']);
  graph.nodes[0]!.reserved = REFERRAL_MAX_DEGREE; // s1 full: never referred while s2 and s3 are not
  assert.equal(names(graph, chooseReferrals(graph, 'mesh')), ['s2', 's3']);
  for (const n of graph.nodes) n.reserved = REFERRAL_MAX_DEGREE; // all full: a newcomer goes live alone…
  assert.equal(chooseReferrals(graph, 'mesh'), []);
  // …and the repair links it all the same.
  assert.equal(chooseReferrals(graph, 'mesh', { whenAllFull: 'fewest' }).length, 2);
});

test('the first peer gets no referrals', () => {
  assert.equal(chooseReferrals({ nodes: [] }, 'mesh'), []);
  assert.equal(chooseReferrals({ nodes: [] }, 'line'), []);
});

test.run();
