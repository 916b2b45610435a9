/**
 * Swarming end to end (docs/PROTOCOL.md "Swarming"), real processes on loopback: one holder capped at `--max-up`
 * and four downloaders that ask for the same file at the same moment. Downloaders serve each other the pieces they
 * have verified, so the crowd finishes well before the holder alone could feed it (four times the file at its cap),
 * every copy matches the SHA-256, and each download credits bytes to other downloaders, not only to the holder.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeRandomFile } from '../../harness/random-file.js';
import type { PeerEvent } from '../control/peer-events.js';
import { Mesh, sha256File } from '../../harness/mesh.js';

type Complete = Extract<PeerEvent, { event: 'download-complete' }>;
const MiB = 1024 * 1024;

test('four downloaders of one capped holder trade pieces and beat the holder-only bound', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    const size = 40 * MiB;
    const cap = 10e6; // bytes a second: --max-up 10MB/s
    const file = join(mesh.seed('holder', {}), 'crowd.bin');
    writeRandomFile(file, size);
    const want = sha256File(file);
    const holder = await mesh.startPeer('holder', ['--max-up', '10MB/s']);
    await holder.waitHashed();
    const names = ['d1', 'd2', 'd3', 'd4'];
    const crowd = await Promise.all(names.map((n) => mesh.startPeer(n, ['--verbose'])));
    const started = Date.now();
    for (const d of crowd) d.send('crowd.bin');
    const done = await Promise.all(
      crowd.map((d) => d.waitFor((e) => e.event === 'download-complete' || e.event === 'download-failed', 60_000)),
    );
    const last = (Date.now() - started) / 1000;
    const bound = (names.length * size) / cap; // the holder's cap alone: every byte of every copy from it
    for (const [i, e] of done.entries()) {
      assert.is(e.event, 'download-complete', `${names[i]}: ${JSON.stringify(e).slice(0, 300)}`);
      const c = e as Complete;
      assert.is(c.sha256, want);
      assert.is(sha256File(join(crowd[i]!.dir, c.path)), want, `${names[i]}'s copy matches`);
      assert.is(
        c.sources.reduce((n, s) => n + s.bytes, 0),
        size,
        'every byte credited once',
      );
    }
    const fromPeers = done.map((e) => (e as Complete).sources.filter((s) => s.name !== 'holder'));
    const peerBytes = fromPeers.map((list) => list.reduce((n, s) => n + s.bytes, 0));
    const summary = names.map((n, i) => `${n}: ${(peerBytes[i]! / MiB).toFixed(1)} MiB from peers`).join(', ');
    console.log(
      `  crowd of ${names.length}: last done in ${last.toFixed(1)} s; holder-only bound ${bound} s; ${summary}`,
    );
    assert.ok(
      peerBytes.every((b) => b > 0),
      `every downloader received pieces from another downloader (${summary})`,
    );
    assert.ok(
      peerBytes.reduce((a, b) => a + b, 0) >= size,
      `downloaders carried at least one file's worth between them (${summary})`,
    );
    assert.ok(last < 0.6 * bound, `the crowd took ${last.toFixed(1)} s; the holder alone needs ${bound} s`);
    // Each source that served while downloading announced its pieces, and the holder introduced the crowd.
    assert.ok(
      crowd.some((d) =>
        d.events.some((e) => e.event === 'log' && /named d\d as fetching crowd\.bin: asking it/.test(e.message)),
      ),
      'a downloader dialled another one it was told of',
    );
  } finally {
    await mesh.close();
  }
});

test('a downloader that cancels stops serving its pieces; the one it served finishes from the holder', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    const size = 12 * MiB;
    const file = join(mesh.seed('holder', {}), 'part.bin');
    writeRandomFile(file, size);
    const want = sha256File(file);
    const holder = await mesh.startPeer('holder', ['--max-up', '1MB/s']); // 12 s for the whole file
    await holder.waitHashed();
    const [d1, d2] = await Promise.all(['d1', 'd2'].map((n) => mesh.startPeer(n, ['--verbose'])));
    d1!.send('part.bin');
    d2!.send('part.bin');
    // d2 took a piece from d1, which d1 had verified while still downloading.
    const fromD1 = (e: PeerEvent) =>
      e.event === 'download-progress' && e.sources.some((s) => s.name === 'd1' && s.bytes > 0);
    assert.ok(await d2!.waitFor(fromD1, 30_000));
    d1!.send('cancel part.bin');
    const cancelled = await d1!.waitFor('download-cancelled', 10_000);
    assert.is(cancelled.event, 'download-cancelled');
    const stopped = await d1!.waitFor(
      (e) => e.event === 'upload-failed' && e.to === 'd2' && /its download ended: cancelled/.test(e.reason),
      10_000,
    );
    assert.ok(stopped, 'the upload to d2 ended with the download');
    const done = await d2!.waitFor((e) => e.event === 'download-complete' || e.event === 'download-failed', 60_000);
    assert.is(done.event, 'download-complete', JSON.stringify(done).slice(0, 300));
    const c = done as Complete;
    assert.is(sha256File(join(d2!.dir, c.path)), want);
    const d1Share = c.sources.find((s) => s.name === 'd1');
    assert.ok(d1Share && d1Share.bytes > 0 && !d1Share.active, 'd1 contributed, then was dropped');
    assert.ok(d2!.events.some((e) => e.event === 'log' && /part\.bin: d1 dropped/.test(e.message)));
  } finally {
    await mesh.close();
  }
});

test.run();
