/**
 * Two downloaders that fed each other are left alone when their only full holder dies: the empty `have`s each
 * sends every 5 s keep their connection alive, yet neither holds a piece the other misses. Each must drop the
 * other, look for holders again and fail keeping its pieces (docs/PROTOCOL.md "Swarming"), not wait for ever.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeRandomFile } from '../../harness/random-file.js';
import type { PeerEvent } from '../control/peer-events.js';
import { Mesh } from '../../harness/mesh.js';

const MiB = 1024 * 1024;

test('downloaders left with only each other after the holder dies fail, keeping their pieces', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    const file = join(mesh.seed('holder', {}), 'part.bin');
    writeRandomFile(file, 12 * MiB);
    // Slow, so the downloaders hold only a few pieces when it dies and trade them first.
    const holder = await mesh.startPeer('holder', ['--max-up', '1MB/s']);
    await holder.waitHashed();
    const [d1, d2] = await Promise.all(['d1', 'd2'].map((n) => mesh.startPeer(n, ['--verbose'])));
    d1!.send('part.bin');
    d2!.send('part.bin');
    const fedBy = (name: string) => (e: PeerEvent) =>
      e.event === 'download-progress' && e.sources.some((s) => s.name === name && s.bytes > 0);
    await d2!.waitFor(fedBy('d1'), 30_000);
    await d1!.waitFor(fedBy('d2'), 30_000);
    holder.kill('SIGKILL');
    const end = (e: PeerEvent) => e.event === 'download-complete' || e.event === 'download-failed';
    // Before the fix neither ended (60 s watched); now: 10 s starved, then three searches of 1+3, 2+3, 3+3 s.
    const ends = await Promise.all([d1!.waitFor(end, 60_000), d2!.waitFor(end, 60_000)]);
    for (const e of ends) {
      assert.is(e.event, 'download-failed', JSON.stringify(e));
      if (e.event !== 'download-failed') continue;
      assert.match(e.reason, /every holder is gone/);
    }
    for (const d of [d1!, d2!]) {
      const logs = d.events.filter((e) => e.event === 'log').map((e) => (e as { message: string }).message);
      assert.ok(
        logs.some((m) => /no source holds any missing piece/.test(m)),
        'the other downloader was dropped as unable to help',
      );
    }
  } finally {
    await mesh.close();
  }
});

test.run();
