/**
 * A download resumed with every piece already held and no holder anywhere: it must finish on its own (check the
 * whole file, move it into Downloads/), even when the search for holders gives up while that check is running.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256, sha256File } from '../../harness/mesh.js';
import { OPEN_MESH } from '../../common/mesh-tls.js';
import { Hasher } from '../content/hasher.js';
import { PartialFiles } from '../content/partial-file.js';
import { MIN_PIECE_SIZE } from '../content/piece-plan.js';
import type { PeerEventBody } from '../control/peer-events.js';
import { AddressBook } from '../files/address-book.js';
import { PeerFolders } from '../files/peer-folders.js';
import { Downloads } from '../transfer/downloads.js';
import { Transport } from '../transport/transport.js';
import { describe } from './fake-peer.js';

test('a fully held resume completes although the search gives up while the whole file is checked', async () => {
  const root = mkdtempSync(join(tmpdir(), 'resume-held-'));
  const folders = new PeerFolders(join(root, 'me')).ensure();
  const hasher = new Hasher();
  try {
    const data = randomBytes(48 * MIN_PIECE_SIZE + 7);
    const manifest = { size: data.length, ...describe(data) };
    const partials = new PartialFiles(folders.partial);
    const f = await partials.open('held.bin', manifest, { download: 'dl-held-1' });
    for (let i = 0; i * MIN_PIECE_SIZE < data.length; i++) {
      await f.write(i, data.subarray(i * MIN_PIECE_SIZE, (i + 1) * MIN_PIECE_SIZE));
      f.confirm(i);
    }
    await f.close();
    const downloads = new Downloads(
      folders.downloads,
      hasher,
      partials,
      new AddressBook(join(folders.state, 'book.json')),
      {
        self: () => ({ name: 'me', id: 'me-id-0001', host: '127.0.0.1', port: 1 }),
        index: async () => undefined,
        flood: () => 0, // nobody to ask
        hopLimit: () => 7,
        transport: new Transport({ mesh: OPEN_MESH }),
        member: async () => false,
        knownIdOf: () => undefined,
      },
      // The search gives up after 1 ms: long before 48 MiB are hashed again from disk.
      { queryTimeoutMs: 1, relocateAttempts: 0 },
    );
    const events: PeerEventBody[] = [];
    const outcome = new Promise<PeerEventBody>((resolve) =>
      downloads.on('event', (e) => {
        events.push(e);
        if (e.event === 'download-complete' || e.event === 'download-failed') resolve(e);
      }),
    );
    downloads.resumeAll();
    const done = await outcome;
    await new Promise((r) => setTimeout(r, 100)); // a second outcome would arrive by now
    assert.is(done.event, 'download-complete', JSON.stringify(done));
    if (done.event !== 'download-complete') return;
    assert.is(done.download, 'dl-held-1');
    assert.is(sha256File(join(folders.root, done.path)), sha256(data));
    assert.is(events.filter((e) => e.event === 'download-failed' || e.event === 'download-complete').length, 1);
    assert.equal(readdirSync(folders.partial), []);
  } finally {
    hasher.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
