/**
 * Peer lifecycles with real processes: a holder killed mid-transfer, and a peer that returns from another address
 * keeping its persistent id.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeRandomFile } from '../../bench/bench-util.js';
import type { PeerEvent } from '../peer-events.js';
import { Mesh } from './mesh-harness.js';

test('a holder killed with SIGKILL mid-transfer: the download fails cleanly and nothing lands in Downloads', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    const shared = mesh.seed('holder', {});
    writeRandomFile(join(shared, 'movie.bin'), 400 * 1024 * 1024);
    const holder = await mesh.startPeer('holder');
    await holder.waitFor((e) => e.event === 'log' && /digests ready/.test(e.message), 30_000);
    const requester = await mesh.startPeer('requester', ['--verbose']);
    requester.send('movie.bin');
    const progress = await requester.waitFor('download-progress', 15_000);
    holder.kill('SIGKILL');
    const outcome = await requester.waitFor((e) => e.event === 'download-failed' || e.event === 'download-complete', 15_000);
    assert.is(outcome.event, 'download-failed', 'killed while data was flowing');
    if (outcome.event === 'download-failed' && progress.event === 'download-progress') {
      assert.match(outcome.reason, /holder closed the connection after \d+ of 419430400 bytes/);
    }
    assert.not.ok(existsSync(join(requester.dir, 'Downloads', 'movie.bin')));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(readdirSync(join(requester.dir, '.p2p', 'partial')), [], 'the partial file is removed');
    const down = await requester.waitFor((e) => e.event === 'neighbour-down' && e.name === 'holder', 5000);
    assert.ok(down);
    // The requester keeps working: it can still answer TOPO and search.
    const topo = await requester.ask('TOPO', 'topology');
    assert.ok(topo.event === 'topology' && topo.peers.some((p) => p.name === 'requester'));
  } finally {
    await mesh.close();
  }
});

test('a peer that returns from another address keeps its id, and the mesh sees the new address', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    await mesh.startPeer('anchor');
    const first = await mesh.startPeer('roamer', ['--host', '127.0.0.1']);
    const before = first.events.find((e) => e.event === 'ready') as Extract<PeerEvent, { event: 'ready' }>;
    first.send('Stop');
    assert.is(await first.waitExit(), 0);
    // 127.0.0.2 is another loopback address: the same folder, a different host.
    const again = await mesh.startPeer('roamer', ['--host', '127.0.0.2']);
    const after = again.events.find((e) => e.event === 'ready') as Extract<PeerEvent, { event: 'ready' }>;
    assert.is(after.id, before.id, 'the persistent id survives');
    assert.is(after.host, '127.0.0.2');
    const topo = await mesh.peer('anchor').ask('TOPO', 'topology');
    const roamer = topo.event === 'topology' ? topo.peers.find((p) => p.name === 'roamer') : undefined;
    assert.is(roamer?.id, before.id);
    assert.is(roamer?.host, '127.0.0.2');
    assert.equal(roamer?.neighbours, ['anchor']);
  } finally {
    await mesh.close();
  }
});

test.run();
