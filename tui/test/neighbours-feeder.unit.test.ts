import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NeighboursFeeder } from '../feeders/neighbours-feeder.js';
import { at } from './events.js';

const stat = (name: string, bytesIn: number, rttMs: number | null) => ({
  name,
  id: `id-${name}`,
  host: '127.0.0.1',
  port: 7000 + Number(name.slice(1)),
  since: 100,
  bytesIn,
  bytesOut: 7,
  rttMs,
});

test('neighbour-stats replaces the table, sorted by name', () => {
  const f = new NeighboursFeeder();
  assert.ok(f.apply(at(1, { event: 'neighbour-stats', neighbours: [stat('s3', 10, 4), stat('s2', 20, null)] })));
  assert.equal(f.view().rows, [
    { name: 's2', address: '127.0.0.1:7002', since: 100, bytesIn: 20, bytesOut: 7, rttMs: null },
    { name: 's3', address: '127.0.0.1:7003', since: 100, bytesIn: 10, bytesOut: 7, rttMs: 4 },
  ]);
  assert.is(
    f.apply(at(2, { event: 'neighbour-stats', neighbours: [stat('s2', 20, null), stat('s3', 10, 4)] })),
    false,
    'identical stats do not redraw',
  );
});

test('neighbour-up adds a row connected since the event; neighbour-down removes it', () => {
  const f = new NeighboursFeeder();
  f.apply(at(500, { event: 'neighbour-up', name: 's4', id: 'id-s4', host: '10.0.0.4', port: 7104 }));
  assert.equal(f.view().rows, [
    { name: 's4', address: '10.0.0.4:7104', since: 500, bytesIn: 0, bytesOut: 0, rttMs: null },
  ]);
  assert.ok(f.apply(at(600, { event: 'neighbour-down', name: 'S4', reason: 'closed' })));
  assert.equal(f.view().rows, []);
  assert.is(f.apply(at(700, { event: 'neighbour-down', name: 's9', reason: 'closed' })), false);
});

test('stopped empties the table', () => {
  const f = new NeighboursFeeder();
  f.apply(at(1, { event: 'neighbour-stats', neighbours: [stat('s2', 1, 1)] }));
  assert.ok(f.apply(at(2, { event: 'stopped', reason: 'Stop' })));
  assert.equal(f.view().rows, []);
});

test.run();
