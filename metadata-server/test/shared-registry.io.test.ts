import { Worker } from 'node:worker_threads';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SharedRegistry, SlotState } from '../shared-registry.js';
import { RegistryFixture, outcome } from './registry-fixture.js';

test('stores and reads back a peer record', () => {
  const registry = SharedRegistry.create({ slots: 3, portLow: 30000, portHigh: 30010 });
  registry.withLock(() => {
    registry.admit(1, { name: 's1', id: 'abcdefgh-123', host: 'fe80::1%eth0', port: 30004, connId: 77 }, 123);
  });
  const copy = SharedRegistry.attach(registry.buffer);
  const peer = copy.read(1);
  assert.equal(
    { ...peer },
    {
      slot: 1,
      state: SlotState.joining,
      name: 's1',
      id: 'abcdefgh-123',
      host: 'fe80::1%eth0',
      port: 30004,
      connId: 77,
      joinSeq: 1,
      lastSeen: 123,
    },
  );
  assert.is(copy.findByConn(77), 1);
  assert.is(copy.findByName('s1'), 1);
  copy.free(1);
  assert.is(registry.findByName('s1'), -1);
});

test('withLock releases the lock when its function throws', () => {
  const registry = SharedRegistry.create({ slots: 1, portLow: 30000, portHigh: 30000 });
  assert.throws(() =>
    registry.withLock(() => {
      throw new Error('boom');
    }),
  );
  assert.is(
    registry.withLock(() => 42),
    42,
    'the lock was free again',
  );
});

test('the main thread refuses to wait for a held lock instead of blocking', () => {
  const registry = SharedRegistry.create({ slots: 1, portLow: 30000, portHigh: 30000 });
  registry.lock();
  try {
    assert.throws(() => registry.lock(), /never wait/);
  } finally {
    registry.unlock();
  }
});

test('the lock gives worker threads mutual exclusion (no lost increments)', async () => {
  const registry = SharedRegistry.create({ slots: 1, portLow: 30000, portHigh: 30000 });
  const moduleUrl = new URL('../shared-registry.js', import.meta.url).href;
  // Each thread does a non-atomic read-modify-write of a slot field under the lock, many times.
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    import(workerData.moduleUrl).then(({ SharedRegistry }) => {
      const r = SharedRegistry.attach(workerData.buffer);
      for (let i = 0; i < workerData.rounds; i++) r.withLock(() => r.setPort(0, r.port(0) + 1));
      parentPort.postMessage('done');
    });`;
  const threads = 4;
  const rounds = 20_000;
  const workers = Array.from(
    { length: threads },
    () => new Worker(code, { eval: true, workerData: { buffer: registry.buffer, moduleUrl, rounds } }),
  );
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.all(
        workers.map((w) => new Promise((resolve, reject) => (w.once('message', resolve), w.once('error', reject)))),
      ),
      new Promise(
        (_, reject) => (timer = setTimeout(() => reject(new Error('threads did not finish in 20 s')), 20_000)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
    await Promise.all(workers.map((w) => w.terminate()));
  }
  assert.is(registry.port(0), threads * rounds);
});

test('admits peers up to the maximum, then refuses with P2P_ERR_MESH_FULL', () => {
  const f = new RegistryFixture({ maxPeers: 3 });
  for (let i = 1; i <= 3; i++) assert.is(outcome(f.join(i, `s${i}`)), 'welcome');
  const refused = f.join(4, 's4');
  assert.is(outcome(refused), 'P2P_ERR_MESH_FULL');
  assert.ok(refused.end, 'the refused connection is ended');
  assert.match(refused.reply?.kind === 'refused' ? refused.reply.body.reason : '', /--max-peers/);
});

test('a name is taken whatever its case, while its holder is joining or live', () => {
  const f = new RegistryFixture();
  assert.is(outcome(f.join(1, 'Alice')), 'welcome');
  assert.is(outcome(f.join(2, 'alice')), 'P2P_ERR_NAME_TAKEN');
  f.send(1, 'listening', { port: f.registry.port(f.registry.findByConn(1)), neighbours: [] });
  assert.is(outcome(f.join(3, 'ALICE')), 'P2P_ERR_NAME_TAKEN');
  assert.is(f.registry.name(f.registry.findByConn(1)), 'alice', 'names are stored canonical');
});

test('the same peer (same id) joining on a new connection replaces its stale registration', () => {
  const f = new RegistryFixture();
  const first = f.join(1, 's1', { id: 'persistent-id-1' });
  assert.ok(first.reply?.kind === 'welcome');
  const port = first.reply.body.port;
  f.send(1, 'listening', { port, neighbours: [] });
  const again = f.join(2, 'S1', { id: 'persistent-id-1', port });
  assert.ok(again.reply?.kind === 'welcome');
  assert.is(again.reply.body.port, port, 'it keeps the port it already listens on');
  assert.equal(again.close, [1], 'the stale connection is closed');
  assert.is(f.registry.findByConn(2), f.registry.findByName('s1'));
  assert.is(outcome(f.join(3, 's1', { id: 'someone-else-1' })), 'P2P_ERR_NAME_TAKEN', 'another id is still refused');
});

test('refuses bad names and bad flags with one sentence saying what to do', () => {
  const f = new RegistryFixture();
  const bad = f.join(1, 'no spaces!');
  assert.is(outcome(bad), 'P2P_ERR_BAD_NAME');
  assert.is(outcome(f.join(2, 's2', { flag: 'hello' })), 'P2P_ERR_BAD_FLAG');
  assert.is(outcome(f.join(3, 's3', { flag: 'P2P' })), 'welcome', 'the flag is case-insensitive');
  assert.is(outcome(f.join(4, 's4', { version: 99 })), 'P2P_ERR_BAD_MESSAGE');
});

test('leave and disconnect free the slot: the name and its port can be used again', () => {
  const f = new RegistryFixture({ maxPeers: 2 });
  f.joinLive(1, 's1');
  f.joinLive(2, 's2');
  assert.is(outcome(f.join(3, 's3')), 'P2P_ERR_MESH_FULL');
  const left = f.send(1, 'leave', { reason: 'bye' });
  assert.ok(left.end);
  assert.is(outcome(f.join(4, 's1')), 'welcome', 's1 rejoins after leaving');
  f.service.handle({ op: 'disconnect', connId: 2, reason: 'connection closed' });
  assert.is(outcome(f.join(5, 'S2')), 'welcome', 's2 rejoins after its connection dropped');
});

test('a sweep frees peers not heard from within the heartbeat timeout and closes their connections', () => {
  const f = new RegistryFixture();
  f.joinLive(1, 's1');
  f.joinLive(2, 's2');
  f.clock += 4000;
  f.send(2, 'heartbeat', { neighbours: ['s1'] });
  f.clock += 2000;
  const swept = f.service.handle({ op: 'sweep' });
  assert.equal(swept.close, [1]);
  assert.is(f.registry.findByName('s1'), -1);
  assert.ok(f.registry.findByName('s2') >= 0);
});

test('port-busy moves the peer to another port, and fails with P2P_ERR_NO_PORT when none is left', () => {
  const f = new RegistryFixture({ portLow: 30000, portHigh: 30001 });
  const first = f.join(1, 's1');
  assert.ok(first.reply?.kind === 'welcome');
  const oldPort = first.reply.body.port;
  const moved = f.send(1, 'port-busy', { port: oldPort });
  assert.ok(moved.reply?.kind === 'welcome');
  assert.is.not(moved.reply.body.port, oldPort);
  const none = f.send(1, 'port-busy', { port: moved.reply.body.port });
  assert.is(outcome(none), 'P2P_ERR_NO_PORT');
  assert.is(f.registry.findByName('s1'), -1, 'the refused peer no longer holds a slot');
});

test('messages in the wrong state are refused as unexpected', () => {
  const f = new RegistryFixture();
  assert.is(outcome(f.send(9, 'heartbeat', { neighbours: [] })), 'P2P_ERR_UNEXPECTED_MESSAGE');
  const { port } = f.joinLive(1, 's1');
  assert.is(outcome(f.send(1, 'listening', { port, neighbours: [] })), 'P2P_ERR_UNEXPECTED_MESSAGE');
  assert.is(outcome(f.send(1, 'port-busy', { port })), 'P2P_ERR_UNEXPECTED_MESSAGE');
});

test('peers-request lists live peers with their neighbours; stop-all tells every peer', () => {
  const f = new RegistryFixture();
  f.joinLive(1, 's1');
  f.joinLive(2, 's2');
  f.join(3, 's3'); // joining, not live: not listed
  const listed = f.send(1, 'peers-request', { rid: 'r1' });
  assert.ok(listed.reply?.kind === 'peers');
  assert.is(listed.reply.body.rid, 'r1');
  assert.equal(
    listed.reply.body.peers.map((p) => [p.name, p.neighbours]),
    [
      ['s1', ['s2']],
      ['s2', ['s1']],
    ],
  );
  const stop = f.send(2, 'stop-all', { by: 's2' });
  assert.equal(stop.pushes.map((p) => p.connId).sort(), [1, 2, 3]);
  assert.ok(
    stop.pushes.every((p) => p.message.kind === 'stop' && p.message.body.reason === 'stop all requested by s2'),
  );
});

test.run();
