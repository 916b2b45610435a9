import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { components, graphFromEdges } from '../mesh-graph.js';
import { planRepair } from '../mesh-repair.js';
import { REFERRAL_MAX_DEGREE } from '../referral-policy.js';
import { RegistryFixture } from './registry-fixture.js';

const name = (names: string[], key: number) => names[key]!;

test('a connected mesh needs no repair', () => {
  const names = ['s1', 's2', 's3'];
  assert.equal(
    planRepair(
      graphFromEdges(names, [
        ['s1', 's2'],
        ['s2', 's3'],
      ]),
    ),
    [],
  );
});

test('removing a cut vertex: the split-off component is told to dial the main one', () => {
  // s1-s2-s3 with s2-s4-s5: s2 is a cut vertex. Without s2: {s1}, {s3}, {s4, s5}.
  const names = ['s1', 's3', 's4', 's5'];
  const graph = graphFromEdges(names, [['s4', 's5']]);
  assert.is(components(graph).length, 3);
  const advice = planRepair(graph).map((a) => [name(names, a.from), name(names, a.to)]);
  // The main component is {s4, s5}; its lowest-degree, earliest peer is s4. Lone s1 is linked like a newcomer
  // would be, and counts as joined from then on: lone s3 gets the lowest-degree peer (s1, joined first) and the
  // farthest from it (s5, two hops through s4).
  assert.equal(advice, [
    ['s1', 's4'],
    ['s3', 's1'],
    ['s3', 's5'],
  ]);
});

test('advice goes from the lowest-degree peer of a component to a low-degree peer of the main one', () => {
  const names = ['hub', 'a', 'b', 'c', 'x', 'y', 'z'];
  const graph = graphFromEdges(names, [
    ['hub', 'a'],
    ['hub', 'b'],
    ['hub', 'c'],
    ['a', 'b'],
    ['x', 'y'],
    ['y', 'z'],
  ]);
  const advice = planRepair(graph).map((a) => [name(names, a.from), name(names, a.to)]);
  assert.equal(advice, [['x', 'c']]);
});

test('forty lone peers are woven into the mesh, never piled onto one peer', () => {
  const names = ['m1', 'm2', ...Array.from({ length: 40 }, (_, i) => `x${i}`)];
  const graph = graphFromEdges(names, [['m1', 'm2']]);
  const advice = planRepair(graph);
  const degree = new Map<number, number>();
  for (const { from, to } of advice) for (const k of [from, to]) degree.set(k, (degree.get(k) ?? 0) + 1);
  assert.ok(Math.max(...degree.values()) <= REFERRAL_MAX_DEGREE, JSON.stringify([...degree]));
  assert.is(new Set(advice.map((a) => a.from)).size, 40, 'every lone peer is advised');
});

test('a component already advised recently is left alone', () => {
  const names = ['s1', 's2', 's3'];
  const graph = graphFromEdges(names, [['s1', 's2']]);
  assert.equal(
    planRepair(graph, (key) => key === 2),
    [],
  );
  assert.is(planRepair(graph, () => false).length, 1);
});

test('through the registry: when the middle of a line leaves, the far end is pushed a link, once per 3 s', () => {
  const f = new RegistryFixture({ topology: 'line' });
  f.joinLive(1, 's1');
  f.joinLive(2, 's2');
  f.joinLive(3, 's3');
  f.joinLive(4, 's4');
  const left = f.send(2, 'leave', { reason: 'test' });
  // {s1} and {s3, s4}: the larger keeps going, s1 is advised to dial s3 (degree 1, joined before s4).
  assert.equal(
    left.pushes.map((p) => [
      p.connId,
      p.message.kind,
      p.message.kind === 'heartbeat-ack' ? p.message.body.link.map((l) => l.name) : [],
    ]),
    [[1, 'heartbeat-ack', ['s3']]],
  );
  assert.ok(left.logs.some((l) => /advised s1 to dial s3/.test(l)));

  f.clock += 1000;
  const soon = f.send(1, 'heartbeat', { neighbours: [] });
  assert.ok(soon.reply?.kind === 'heartbeat-ack');
  assert.equal(soon.reply.body.link, [], 'not repeated within the advice memory');

  f.clock += 2500;
  const later = f.send(1, 'heartbeat', { neighbours: [] });
  assert.ok(later.reply?.kind === 'heartbeat-ack');
  assert.equal(
    later.reply.body.link.map((l) => l.name),
    ['s3'],
    'repeated in the reply once the memory expired',
  );

  const healed = f.send(1, 'heartbeat', { neighbours: ['s3'] });
  assert.equal(healed.pushes, []);
  assert.ok(healed.reply?.kind === 'heartbeat-ack');
  assert.is(healed.reply.body.peers, 3);
  const topo = f.send(4, 'peers-request', { rid: 'x' });
  assert.ok(topo.reply?.kind === 'peers');
  assert.equal(
    topo.reply.body.peers.map((p) => [p.name, p.neighbours.sort()]),
    [
      ['s1', ['s3']],
      ['s3', ['s1', 's4']],
      ['s4', ['s3']],
    ],
  );
});

test('a dead peer (disconnect) triggers the same repair as a leave', () => {
  const f = new RegistryFixture({ topology: 'line' });
  f.joinLive(1, 'a');
  f.joinLive(2, 'b');
  f.joinLive(3, 'c');
  const dead = f.service.handle({ op: 'disconnect', connId: 2, reason: 'connection reset' });
  assert.is(dead.pushes.length, 1);
  assert.ok(dead.logs[0]?.startsWith('b is gone'));
});

test.run();
