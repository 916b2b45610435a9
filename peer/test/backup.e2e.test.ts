/**
 * The backup peer (docs/PROTOCOL.md "Backup peer"), between real processes: `--backup` keeps a verified copy of
 * every content in the mesh, once per SHA-256, serves them after their owner died, is marked in TOPO, and after a
 * restart fetches nothing it already verified.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PeerEvent } from '../control/peer-events.js';
import { Mesh, sha256, sha256File } from '../../harness/mesh.js';

type Of<K extends PeerEvent['event']> = Extract<PeerEvent, { event: K }>;
const synced = (files: number) => (e: PeerEvent) => e.event === 'backup-synced' && e.files === files && e.missing === 0;

test('a backup peer keeps every content once, serves it after its owner dies, and keeps it across a restart', async () => {
  const mesh = new Mesh();
  try {
    const a = randomBytes(2 * 1024 * 1024 + 3);
    const b = Buffer.from('a small file\n');
    mesh.seed('s1', { 'a.bin': a });
    mesh.seed('s2', { 'b.txt': b, 'b-copy.txt': b }); // one content under two names: kept once
    await mesh.startServer();
    const s1 = await mesh.startPeer('s1');
    const s2 = await mesh.startPeer('s2');
    await s1.waitHashed();
    await s2.waitHashed();
    const bk = await mesh.startPeer('bk', ['--backup']);
    const done = (await bk.waitFor(synced(2), 20_000)) as Of<'backup-synced'>;
    assert.is(done.bytes, a.length + b.length);
    const topo = (await bk.ask('TOPO', 'topology')) as Of<'topology'>;
    assert.equal(
      topo.peers.map((p) => [p.name, p.backup ?? false]),
      [
        ['bk', true],
        ['s1', false],
        ['s2', false],
      ],
    );

    // s1 dies (no handoff): its file is still in the mesh, at the backup peer.
    s1.kill('SIGKILL');
    await s1.waitExit();
    const s3 = await mesh.startPeer('s3');
    const got = (await s3.ask(
      'a.bin',
      (e) => e.event === 'download-complete' || e.event === 'download-failed' || e.event === 'not-found',
      20_000,
    )) as Of<'download-complete'>;
    assert.is(got.event, 'download-complete', JSON.stringify(got));
    assert.is(got.from, 'bk');
    assert.is(sha256File(join(mesh.dirOf('s3'), got.path)), sha256(a));
    const alias = await s3.ask('b-copy.txt', (e) => e.event === 'download-complete' || e.event === 'download-failed');
    assert.is(alias.event, 'download-complete');

    // kill -9 and a restart: what it verified is kept, nothing is fetched again.
    bk.kill('SIGKILL');
    await bk.waitExit();
    const uploadsBefore = s2.events.filter((e) => e.event === 'upload-started').length;
    const again = await mesh.startPeer('bk', ['--backup']);
    await again.waitFor(synced(2), 10_000);
    await new Promise((r) => setTimeout(r, 1500));
    assert.is(s2.events.filter((e) => e.event === 'upload-started').length, uploadsBefore);
  } finally {
    await mesh.close();
  }
});

test('a backup peer killed mid-file resumes it from its verified pieces', async () => {
  const mesh = new Mesh();
  try {
    const big = randomBytes(64 * 1024 * 1024); // at the backup's 4 MiB/s (peer/backup/pacer.ts): 16 s in all
    mesh.seed('s1', { 'big.bin': big });
    await mesh.startServer();
    const s1 = await mesh.startPeer('s1');
    await s1.waitHashed(60_000);
    const bk = await mesh.startPeer('bk', ['--backup']);
    // Killed once a quarter of the file is on its disk.
    const partial = join(mesh.dirOf('bk'), '.p2p', 'custody-partial');
    const written = () => {
      try {
        return readdirSync(partial)
          .filter((f) => f.endsWith('.part'))
          .reduce((sum, f) => sum + statSync(join(partial, f)).size, 0);
      } catch {
        return 0;
      }
    };
    for (const until = Date.now() + 30_000; written() < big.length / 4 && Date.now() < until;)
      await new Promise((r) => setTimeout(r, 5));
    bk.kill('SIGKILL');
    await bk.waitExit();
    const first = s1.events.filter((e) => e.event === 'upload-started').length;
    const again = await mesh.startPeer('bk', ['--backup']);
    await again.waitFor(synced(1), 60_000);
    const second = s1.events.filter((e) => e.event === 'upload-complete' || e.event === 'upload-failed').slice(-1)[0];
    assert.ok(s1.events.filter((e) => e.event === 'upload-started').length > first, 'fetched again after the restart');
    assert.ok(second?.event === 'upload-complete', JSON.stringify(second));
    if (second?.event === 'upload-complete')
      assert.ok(second.sent < big.length, `resumed: ${second.sent} of ${big.length} bytes sent again`);
    const stored = join(mesh.dirOf('bk'), '.p2p', 'backup', sha256(big), 'file', 'big.bin');
    assert.is(sha256File(stored), sha256(big));
  } finally {
    await mesh.close();
  }
});

test.run();
