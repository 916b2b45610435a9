import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TopologyCollector } from '../mesh/topology-collector.js';
import type { PeerInfo } from '../../common/wire/shapes.js';

const info = (name: string, neighbours: string[] = []): PeerInfo => ({
  name,
  id: `id-${name}-0000`,
  host: '127.0.0.1',
  port: 7001,
  neighbours,
});

test('finishes as soon as every live peer the server lists has answered', async () => {
  let result: PeerInfo[] | undefined;
  const c = new TopologyCollector('q-000000001', info('s1'), (p) => (result = p), { timeoutMs: 5000 });
  c.add(info('s3'));
  assert.is(result, undefined, 'no list yet: keep waiting');
  c.expect(['s1', 's2', 's3']);
  assert.is(result, undefined);
  c.add(info('s2'));
  assert.equal(
    result?.map((p) => p.name),
    ['s1', 's2', 's3'],
  );
});

test('without a server, finishes once answers stop coming', async () => {
  let result: PeerInfo[] | undefined;
  const c = new TopologyCollector('q-000000002', info('s1'), (p) => (result = p), { timeoutMs: 5000, quietMs: 30 });
  c.expect(null);
  c.add(info('s10'));
  c.add(info('s2'));
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(
    result?.map((p) => p.name),
    ['s1', 's2', 's10'],
    'sorted naturally',
  );
});

test('the timeout ends a collection that misses a peer', async () => {
  let result: PeerInfo[] | undefined;
  const c = new TopologyCollector('q-000000003', info('s1'), (p) => (result = p), { timeoutMs: 30, perPeerMs: 5 });
  c.expect(['s1', 's2']);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(
    result?.map((p) => p.name),
    ['s1'],
  );
});

test('each listed peer lengthens the longest wait, so a large mesh is not cut short', async () => {
  let result: PeerInfo[] | undefined;
  const c = new TopologyCollector('q-000000004', info('s1'), (p) => (result = p), { timeoutMs: 30, perPeerMs: 2 });
  const names = Array.from({ length: 50 }, (_, i) => `s${i + 1}`);
  c.expect(names); // 30 + 50 × 2 = 130 ms
  await new Promise((r) => setTimeout(r, 60));
  assert.is(result, undefined, 'still waiting after the base timeout');
  for (const n of names.slice(1, -1)) c.add(info(n));
  await new Promise((r) => setTimeout(r, 120));
  assert.is(result?.length, 49, 'ended at the lengthened deadline with what had come');
});

test.run();
