/**
 * Peer lifecycles with real processes: a sole holder killed mid-transfer (and the resume once it is back), and a
 * peer that returns from another address keeping its persistent id.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatByteShare } from '../../common/byte-size.js';
import { writeRandomFile } from '../../harness/random-file.js';
import type { PeerEvent } from '../control/peer-events.js';
import { Mesh, sha256File } from '../../harness/mesh.js';

test('a sole holder killed mid-transfer: the download stops keeping its pieces, and asking again fetches only the rest', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    const shared = mesh.seed('holder', {});
    const size = 400 * 1024 * 1024;
    writeRandomFile(join(shared, 'movie.bin'), size);
    const holder = await mesh.startPeer('holder');
    await holder.waitHashed();
    const requester = await mesh.startPeer('requester', ['--verbose']);
    requester.send('movie.bin');
    await requester.waitFor('download-progress', 15_000);
    holder.kill('SIGKILL');
    await holder.waitExit();
    const outcome = await requester.waitFor(
      (e) => e.event === 'download-failed' || e.event === 'download-complete',
      30_000,
    );
    assert.is(outcome.event, 'download-failed', 'killed while data was flowing');
    const kept = outcome.event === 'download-failed' ? (outcome.kept ?? 0) : 0;
    if (outcome.event === 'download-failed')
      assert.match(outcome.reason, new RegExp(`every holder is gone; ${formatByteShare(kept, size)} are kept`));
    assert.ok(kept > 0 && kept < size, `some pieces were kept (${kept})`);
    assert.not.ok(existsSync(join(requester.dir, 'Downloads', 'movie.bin')));
    const partial = readdirSync(join(requester.dir, '.p2p', 'partial')).sort();
    assert.equal(
      partial.map((f) => f.slice(64)),
      ['.have', '.json', '.part'],
      `the data, its description and its bitfield are kept: ${partial}`,
    );

    // The holder comes back; asking again resumes and fetches only what is missing.
    const back = await mesh.startPeer('holder');
    await back.waitHashed();
    const from = requester.events.length;
    requester.send('movie.bin');
    const resumed = await requester.waitFor('download-resumed', 10_000, from);
    assert.ok(resumed.event === 'download-resumed' && resumed.have === kept, 'resumes from what was kept');
    const done = await requester.waitFor(
      (e) => e.event === 'download-complete' || e.event === 'download-failed',
      60_000,
      from,
    );
    assert.is(done.event, 'download-complete', JSON.stringify(done).slice(0, 300));
    if (done.event !== 'download-complete') return;
    assert.is(
      done.sources.reduce((n, s) => n + s.bytes, 0),
      size - kept,
      'only the missing bytes were fetched',
    );
    assert.is(sha256File(join(requester.dir, done.path)), sha256File(join(shared, 'movie.bin')));
    assert.equal(readdirSync(join(requester.dir, '.p2p', 'partial')), []);
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

test('a peer sharing more files than the index takes stays in the mesh and says so', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    const files: Record<string, string> = {};
    for (let i = 0; i <= 2000; i++) files[`f${String(i).padStart(4, '0')}.txt`] = `file ${i}`;
    mesh.seed('hoarder', files);
    const hoarder = await mesh.startPeer('hoarder');
    const warned = await hoarder.waitFor(
      (e) => e.event === 'log' && /only the first 2000 of 2001 files are in the mesh's index/.test(e.message),
      30_000,
    );
    assert.ok(warned);
    const other = await mesh.startPeer('other');
    const list = await other.ask('list', 'list');
    assert.ok(list.event === 'list' && list.files.length === 2000, 'the index holds 2000 of them');
    await new Promise((r) => setTimeout(r, 1500)); // a refused index would have cost the peer its slot by now
    const topo = await other.ask('TOPO', 'topology');
    assert.ok(topo.event === 'topology' && topo.peers.some((p) => p.name === 'hoarder'), 'still in the mesh');
    assert.is(hoarder.exitCode, undefined);
  } finally {
    await mesh.close();
  }
});

test.run();
