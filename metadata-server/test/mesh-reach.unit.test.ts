/**
 * The hops a peer's floods need (docs/PROTOCOL.md "Peer ↔ peer"): eccentricity and diameter of small meshes, and
 * the `reach` the server puts in `welcome` and `heartbeat-ack`, bounded to 1..32.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { serverMessages } from '../../common/wire/server-messages.js';
import { diameter, eccentricity, graphFromEdges } from '../mesh-graph.js';
import { RegistryFixture } from './registry-fixture.js';

/** Decodes a heartbeat-ack body as it would arrive (schema-checked). */
const ack = (body: object) =>
  serverMessages.decode({ type: serverMessages.typeOf('heartbeat-ack'), payload: Buffer.from(JSON.stringify(body)) });
const chain = (names: string[]): [string, string][] => names.slice(1).map((n, i) => [names[i]!, n]);

test('eccentricity and diameter of a line, a star, a ring and a split mesh', () => {
  const line = graphFromEdges(['a', 'b', 'c', 'd', 'e'], chain(['a', 'b', 'c', 'd', 'e']));
  assert.equal(
    line.nodes.map((n) => eccentricity(line, n.key)),
    [4, 3, 2, 3, 4],
  );
  assert.is(diameter(line), 4);

  const star = graphFromEdges(
    ['hub', 'x', 'y', 'z'],
    [
      ['hub', 'x'],
      ['hub', 'y'],
      ['hub', 'z'],
    ],
  );
  assert.equal(
    star.nodes.map((n) => eccentricity(star, n.key)),
    [1, 2, 2, 2],
  );
  assert.is(diameter(star), 2);

  const names = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5'];
  const ring = graphFromEdges(names, [...chain(names), ['r5', 'r0']]);
  assert.equal(
    ring.nodes.map((n) => eccentricity(ring, n.key)),
    [3, 3, 3, 3, 3, 3],
  );

  // Unreachable peers do not count: a flood cannot reach them at any hop limit.
  const split = graphFromEdges(['a', 'b', 'c', 'lone'], chain(['a', 'b', 'c']));
  assert.equal(
    split.nodes.map((n) => eccentricity(split, n.key)),
    [2, 1, 2, 0],
  );
  assert.is(diameter(split), 2);
  assert.is(diameter(graphFromEdges([], [])), 0);
});

test('heartbeat-ack says each live peer of a line how far the far end is; welcome estimates it for a newcomer', () => {
  const f = new RegistryFixture({ topology: 'line' });
  const first = f.join(1, 's1');
  assert.ok(first.reply?.kind === 'welcome');
  assert.is(first.reply.body.reach, undefined, 'the first peer has nobody to reach');
  f.send(1, 'listening', { port: first.reply.body.port, neighbours: [] });
  const alone = f.send(1, 'heartbeat', { neighbours: [] });
  assert.ok(alone.reply?.kind === 'heartbeat-ack');
  assert.is(alone.reply.body.reach, undefined, 'nor while it has no neighbour');

  for (let i = 2; i <= 6; i++) {
    const joined = f.join(i, `s${i}`);
    assert.ok(joined.reply?.kind === 'welcome');
    // Referred to the end of the line s1…s(i-1): that end is i-2 hops from s1, the newcomer one more.
    assert.is(joined.reply.body.reach, i - 1, `welcome of s${i}`);
    f.send(i, 'listening', {
      port: joined.reply.body.port,
      neighbours: joined.reply.body.referrals.map((r) => r.name),
    });
  }
  const reach = (connId: number, neighbours: string[]) => {
    const a = f.send(connId, 'heartbeat', { neighbours });
    assert.ok(a.reply?.kind === 'heartbeat-ack');
    assert.equal(ack(a.reply.body).body, a.reply.body, 'valid on the wire');
    return a.reply.body.reach;
  };
  // s1-s2-s3-s4-s5-s6: eccentricities 5 4 3 3 4 5.
  assert.equal(
    [reach(1, ['s2']), reach(2, ['s1', 's3']), reach(3, ['s2', 's4']), reach(4, ['s3', 's5'])],
    [5, 4, 3, 3],
  );
  assert.is(reach(6, ['s5']), 5);
});

test('reach is bounded to 32 hops on a longer line (the query hop limit of the wire)', () => {
  const f = new RegistryFixture({ topology: 'line', maxPeers: 40 });
  for (let i = 1; i <= 40; i++) f.joinLive(i, `s${i}`);
  const end = f.send(1, 'heartbeat', { neighbours: ['s2'] });
  assert.ok(end.reply?.kind === 'heartbeat-ack');
  assert.is(end.reply.body.reach, 32, 'eccentricity 39, sent as 32');
  const mid = f.send(20, 'heartbeat', { neighbours: ['s19', 's21'] });
  assert.ok(mid.reply?.kind === 'heartbeat-ack');
  assert.is(mid.reply.body.reach, 20);
  assert.throws(() => ack({ peers: 1, link: [], reach: 33 }));
  assert.throws(() => ack({ peers: 1, link: [], reach: 0 }));
  assert.throws(() => ack({ peers: 1, link: [], reach: 2.5 }));
});

test('a peer that claims every live peer as its neighbour does not shorten anyone else’s reach', () => {
  const f = new RegistryFixture({ topology: 'line', maxPeers: 20 });
  for (let i = 1; i <= 12; i++) f.joinLive(i, `s${i}`);
  const reachOf = (connId: number, neighbours: string[]) => {
    const a = f.send(connId, 'heartbeat', { neighbours });
    assert.ok(a.reply?.kind === 'heartbeat-ack');
    return a.reply.body.reach;
  };
  for (let i = 2; i <= 11; i++) reachOf(i, [`s${i - 1}`, `s${i + 1}`]);
  assert.is(reachOf(1, ['s2']), 11, 's1 … s12 in a line');
  f.joinLive(13, 'liar');
  reachOf(
    13,
    Array.from({ length: 12 }, (_, i) => `s${i + 1}`),
  );
  assert.is(reachOf(1, ['s2']), 11, 'links only the liar reports do not count as shortcuts');
  assert.is(reachOf(12, ['s11']), 11);
});

test.run();
