import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TopologyFeeder } from '../feeders/topology-feeder.js';
import { at } from './events.js';

const peer = (name: string, port: number, neighbours: string[]) => ({
  name,
  id: `id-${name}-00000`,
  host: '127.0.0.1',
  port,
  neighbours,
});

const MESH = [
  peer('s3', 7003, ['s1', 's2']),
  peer('s1', 7001, ['s2', 's3']),
  peer('s2', 7002, ['s1', 's3', 's4']),
  peer('s4', 7004, ['s2']),
];

test('a topology event replaces the mesh: this peer first, then by name, each link once', () => {
  const f = new TopologyFeeder('s1');
  assert.ok(f.apply(at(5, { event: 'topology', peers: MESH })));
  const v = f.view();
  assert.equal(
    v.nodes.map((n) => n.name),
    ['s1', 's2', 's3', 's4'],
  );
  assert.equal(
    v.nodes.map((n) => n.self),
    [true, false, false, false],
  );
  assert.is(v.nodes[1]!.address, '127.0.0.1:7002');
  assert.equal(v.links, [
    ['s1', 's2'],
    ['s1', 's3'],
    ['s2', 's3'],
    ['s2', 's4'],
  ]);
  assert.is(v.updatedAt, 5);
});

test('an unchanged periodic topology does not redraw', () => {
  const f = new TopologyFeeder('s1');
  assert.ok(f.apply(at(1, { event: 'topology', peers: MESH })));
  assert.is(f.apply(at(2, { event: 'topology', peers: [...MESH].reverse() })), false);
  assert.ok(f.apply(at(3, { event: 'topology', peers: MESH.slice(0, 3) })));
  assert.equal(
    f.view().links,
    [
      ['s1', 's2'],
      ['s1', 's3'],
      ['s2', 's3'],
    ],
    'links to a peer that left are dropped',
  );
});

test("ready and neighbour-up/down edit this peer's links between topology events", () => {
  const f = new TopologyFeeder('s1');
  f.apply(
    at(1, {
      event: 'ready',
      name: 's1',
      id: 'id-s1',
      host: '127.0.0.1',
      port: 7001,
      neighbours: ['s2'],
      server: '127.0.0.1:7000',
      dir: '/tmp',
    }),
  );
  assert.equal(f.view().links, [['s1', 's2']]);
  assert.is(f.view().updatedAt, null, 'only local knowledge so far');
  f.apply(at(2, { event: 'neighbour-up', name: 's5', id: 'id-s5', host: '127.0.0.1', port: 7005 }));
  assert.equal(f.view().links, [
    ['s1', 's2'],
    ['s1', 's5'],
  ]);
  assert.is(f.view().nodes.find((n) => n.name === 's5')!.address, '127.0.0.1:7005');
  f.apply(at(3, { event: 'neighbour-down', name: 's2', reason: 'left' }));
  assert.equal(f.view().links, [['s1', 's5']]);
});

test("the server's periodic mesh view replaces the picture like a TOPO answer", () => {
  const f = new TopologyFeeder('s1');
  assert.ok(f.apply(at(7, { event: 'mesh', peers: MESH })));
  assert.is(f.view().nodes.length, 4);
  assert.is(f.view().updatedAt, 7);
  assert.is(f.apply(at(8, { event: 'mesh', peers: MESH })), false);
});

test('names compare case-insensitively', () => {
  const f = new TopologyFeeder('S1');
  f.apply(at(1, { event: 'topology', peers: [peer('s1', 7001, ['S2']), peer('s2', 7002, ['s1'])] }));
  const v = f.view();
  assert.is(v.nodes.length, 2);
  assert.is(v.nodes[0]!.self, true);
  assert.is(v.links.length, 1);
});

test.run();
