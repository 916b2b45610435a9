/**
 * Files still being written, real processes on loopback (docs/CONTRACT.md "Folders"): a file growing in a running
 * holder's shared/ is not offered (not in `files`, not in the index, no answer to a flood) until its size and mtime
 * have stood still for the settle period; then a download gets the whole final file. A file that changes after it
 * was offered is withdrawn, hashed again once it settles, and offered with its new SHA-256.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PeerEvent } from '../control/peer-events.js';
import { Mesh, sha256, sha256File, type PeerProcess } from '../../harness/mesh.js';

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const outcome = (e: PeerEvent) =>
  e.event === 'download-complete' || e.event === 'download-failed' || e.event === 'not-found';
const logs = (p: PeerProcess, from = 0) => p.events.slice(from).flatMap((e) => (e.event === 'log' ? [e.message] : []));

/** Appends `chunks` random MiB to `path`, one every `gapMs`, as a slow copy does; resolves with the final SHA-256. */
async function writeSlowly(path: string, chunks: number, gapMs: number): Promise<string> {
  writeFileSync(path, '');
  for (let i = 0; i < chunks; i++) {
    appendFileSync(path, randomBytes(MiB));
    await sleep(gapMs);
  }
  return sha256File(path);
}

test('a file still being copied into shared/ is not offered; once it settles the whole final file arrives', async () => {
  const mesh = new Mesh();
  let writing: Promise<string> | undefined;
  try {
    await mesh.startServer();
    const s2 = await mesh.startPeer('s2');
    await s2.waitHashed();
    const s3 = await mesh.startPeer('s3');
    const path = join(s2.dir, 'shared', 'growing.bin');
    writing = writeSlowly(path, 24, 400);
    await sleep(1500);

    // While it grows: s2 says so once, does not list it, and nobody can fetch it.
    const early = await s3.ask('growing.bin', outcome, 15_000);
    assert.is(early.event, 'not-found', `fetched while it was still being written: ${JSON.stringify(early)}`);
    const files = await s2.ask('files', 'files');
    assert.ok(files.event === 'files' && !files.shared.some((f) => f.name === 'growing.bin'), JSON.stringify(files));
    assert.ok(files.event === 'files' && files.settling?.some((f) => f.name === 'growing.bin'), JSON.stringify(files));
    const notice = await s2.waitFor((e) => e.event === 'log' && /growing\.bin is still being written/.test(e.message));
    assert.match(notice.event === 'log' ? notice.message : '', /offered once it has been unchanged for 1 s/);
    const list = await s3.ask('list', 'list');
    assert.ok(list.event === 'list' && !list.files.some((f) => f.name === 'growing.bin'), JSON.stringify(list));
    assert.is(logs(s2).filter((m) => /growing\.bin is still being written/.test(m)).length, 1, 'said once');

    const want = await writing;
    const writtenAt = s2.events.length;
    const hashed = await s2.waitFor(
      (e) => e.event === 'log' && /^hashes ready for 1 held file\b/.test(e.message),
      15_000,
      writtenAt,
    );
    assert.ok(hashed);
    const done = await s3.ask('growing.bin', outcome, 30_000);
    assert.is(done.event, 'download-complete', JSON.stringify(done));
    if (done.event !== 'download-complete') return;
    assert.is(done.bytes, 24 * MiB);
    assert.is(done.sha256, want);
    assert.is(sha256File(join(s3.dir, done.path)), want);
  } finally {
    await writing?.catch(() => undefined);
    await mesh.close();
  }
});

test('a file changed after it was offered is withdrawn, then offered again with its new SHA-256', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    const v1 = randomBytes(3 * MiB);
    const v2 = randomBytes(5 * MiB);
    mesh.seed('h', { 'notes.bin': v1 });
    const h = await mesh.startPeer('h');
    await h.waitHashed();
    const r = await mesh.startPeer('r');
    const before = await r.ask('list', 'list');
    assert.ok(before.event === 'list' && before.files.some((f) => f.sha256 === sha256(v1)), JSON.stringify(before));

    const from = h.events.length;
    writeFileSync(join(h.dir, 'shared', 'notes.bin'), v2);
    const withdrawn = await h.waitFor(
      (e) => e.event === 'log' && /notes\.bin changed: no longer offered/.test(e.message),
      5000,
      from,
    );
    assert.ok(withdrawn);
    const during = await r.ask('notes.bin', outcome, 15_000);
    assert.is(during.event, 'not-found', JSON.stringify(during));

    await h.waitFor((e) => e.event === 'log' && /^hashes ready for 1 held file\b/.test(e.message), 15_000, from);
    const after = await r.ask('list', 'list');
    assert.ok(after.event === 'list' && after.files.some((f) => f.sha256 === sha256(v2)), JSON.stringify(after));
    assert.not.ok(
      after.event === 'list' && after.files.some((f) => f.sha256 === sha256(v1)),
      'the old version is gone',
    );
    const done = await r.ask('notes.bin', outcome, 15_000);
    assert.ok(done.event === 'download-complete' && done.sha256 === sha256(v2), JSON.stringify(done));
  } finally {
    await mesh.close();
  }
});

test.run();
