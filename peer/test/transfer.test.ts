/**
 * The two ends of a transfer in one process over real loopback sockets (Upload → PeerListener → Searches →
 * Download), with timeouts shrunk so a transfer outlasts them many times over.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FileCatalog } from '../file-catalog.js';
import { Hasher } from '../hasher.js';
import { PeerFolders } from '../peer-folders.js';
import { PeerListener } from '../peer-listener.js';
import { Searches } from '../searches.js';
import { Upload } from '../upload.js';
import type { PeerEventBody } from '../peer-events.js';
import { sha256, sha256File } from './mesh-harness.js';

test('a transfer far longer than every timeout completes and is verified', async () => {
  const root = mkdtempSync(join(tmpdir(), 'transfer-'));
  const holderDirs = new PeerFolders(join(root, 'holder')).ensure();
  const requesterDirs = new PeerFolders(join(root, 'requester')).ensure();
  const hasher = new Hasher();
  const listener = new PeerListener();
  const data = randomBytes(48 * 1024 * 1024 + 3);
  writeFileSync(join(holderDirs.shared, 'data.bin'), data);
  try {
    await listener.listen('127.0.0.1', 0);
    const searches = new Searches(requesterDirs, hasher, { queryTimeoutMs: 2000, download: { idleTimeoutMs: 40 } });
    listener.on('offer', (channel, offer) => searches.onOffer(channel, offer));
    const events: PeerEventBody[] = [];
    const finished = new Promise<PeerEventBody>((resolve) =>
      searches.on('event', (e) => {
        events.push(e);
        if (e.event === 'download-complete' || e.event === 'download-failed' || e.event === 'not-found') resolve(e);
      }),
    );
    const catalog = new FileCatalog(holderDirs, hasher);
    const held = catalog.resolve('data')!;
    const qid = searches.begin('data');
    const me = { name: 'holder', id: 'holder-id-0001', host: '127.0.0.1', port: 1 };
    const to = { name: 'requester', id: 'requester-id-1', host: '127.0.0.1', port: listener.port! };
    // 40 ms: the whole transfer takes far longer than any of the holder's timeouts.
    const upload = new Upload(qid, held, await catalog.digest(held), to, me, { timeoutMs: 40, resultTimeoutMs: 5000 });
    let uploadOutcome = '';
    upload.on('complete', () => (uploadOutcome = 'complete'));
    upload.on('failed', (reason) => (uploadOutcome = `failed: ${reason}`));
    const started = Date.now();
    await upload.run();
    const done = await finished;
    assert.ok(Date.now() - started > 40, 'the transfer outlasted the timeouts');
    assert.is(done.event, 'download-complete', JSON.stringify(done));
    assert.is(uploadOutcome, 'complete');
    if (done.event === 'download-complete') {
      assert.is(done.path, 'Downloads/data.bin');
      assert.is(sha256File(join(requesterDirs.root, done.path)), sha256(data));
    }
    assert.ok(events.some((e) => e.event === 'download-started'));
    assert.equal(readdirSync(requesterDirs.partial), []);
  } finally {
    listener.stop();
    hasher.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
