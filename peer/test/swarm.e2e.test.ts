/**
 * Issue 4 end to end, real processes on loopback: several holders of one file feed one download; a holder killed
 * mid-download and a holder serving corrupted bytes are dropped without harm; a requester killed with SIGKILL
 * resumes when it restarts and fetches only what it lacked; the listings match what peers hold; and search keeps
 * working with the metadata server stopped.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  openSync,
  readdirSync,
  readSync,
  statSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeRandomFile } from '../../harness/random-file.js';
import type { PeerEvent } from '../control/peer-events.js';
import { Mesh, sha256, sha256File } from '../../harness/mesh.js';

type Complete = Extract<PeerEvent, { event: 'download-complete' }>;
const MiB = 1024 * 1024;

/** Seeds the same random file into several holders' shared/ folders. */
function seedEverywhere(mesh: Mesh, holders: string[], name: string, size: number): string {
  const first = join(mesh.seed(holders[0]!, {}), name);
  writeRandomFile(first, size);
  const data = sha256File(first);
  for (const h of holders.slice(1)) {
    const path = join(mesh.seed(h, {}), name);
    copyFileSync(first, path);
  }
  return data;
}

async function startAll(mesh: Mesh, names: string[], extra: string[] = []): Promise<void> {
  for (const n of names) {
    const p = await mesh.startPeer(n, extra);
    if (mesh.seedsOf(n)) await p.waitHashed();
  }
}

test('three holders feed one download; one killed mid-way; the file still arrives verified, credited per source', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    const size = 300 * MiB;
    const want = seedEverywhere(mesh, ['h1', 'h2', 'h3'], 'video.bin', size);
    await startAll(mesh, ['h1', 'h2', 'h3']);
    const me = await mesh.startPeer('me', ['--verbose']);
    me.send('video.bin');
    // Kill one holder once every holder has delivered something.
    const busy = await me.waitFor(
      (e) => e.event === 'download-progress' && e.sources.filter((s) => s.bytes > 0).length === 3,
      20_000,
    );
    assert.ok(busy);
    mesh.peer('h2').kill('SIGKILL');
    const done = (await me.waitFor(
      (e) => e.event === 'download-complete' || e.event === 'download-failed',
      60_000,
    )) as PeerEvent;
    assert.is(done.event, 'download-complete', JSON.stringify(done).slice(0, 300));
    const c = done as Complete;
    assert.is(c.sha256, want);
    assert.is(sha256File(join(me.dir, c.path)), want);
    assert.is(
      c.sources.reduce((n, s) => n + s.bytes, 0),
      size,
      'every byte credited once',
    );
    const h2 = c.sources.find((s) => s.name === 'h2');
    assert.ok(h2 && h2.bytes > 0 && !h2.active, 'the killed holder contributed, then dropped out');
    assert.ok(me.events.some((e) => e.event === 'log' && /video\.bin: h2 dropped/.test(e.message)));
    assert.ok(c.sources.filter((s) => s.name !== 'h2').every((s) => s.bytes > 0));
  } finally {
    await mesh.close();
  }
});

test('a holder serving corrupted bytes is detected and excluded; the others complete the file', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    const size = 40 * MiB;
    const want = seedEverywhere(mesh, ['good1', 'good2', 'rotten'], 'disk.img', size);
    await startAll(mesh, ['good1', 'good2', 'rotten']);
    // Bit rot after hashing: the rotten holder's cached hashes still claim the old bytes (same size, same mtime).
    const path = join(mesh.dirOf('rotten'), 'shared', 'disk.img');
    const { atime, mtime } = statSync(path);
    const fd = openSync(path, 'r+');
    // Each byte flipped, not overwritten with a constant: a random file holds that constant at one of the 40
    // places about one time in seven, and the rotten holder then had a good piece to give (and be credited for).
    const byte = Buffer.alloc(1);
    for (let p = 0; p < size; p += MiB) {
      readSync(fd, byte, 0, 1, p + 777);
      byte[0] = byte[0]! ^ 0xff;
      writeSync(fd, byte, 0, 1, p + 777);
    }
    closeSync(fd);
    utimesSync(path, atime, mtime);
    const me = await mesh.startPeer('me');
    const done = (await me.ask(
      'disk.img',
      (e) => e.event === 'download-complete' || e.event === 'download-failed',
      60_000,
    )) as PeerEvent;
    assert.is(done.event, 'download-complete', JSON.stringify(done).slice(0, 300));
    const c = done as Complete;
    assert.is(sha256File(join(me.dir, c.path)), want);
    const rotten = c.sources.find((s) => s.name === 'rotten');
    assert.ok(!rotten || rotten.bytes === 0, 'nothing from the rotten holder was kept');
    assert.ok(
      me.events.some(
        (e) =>
          e.event === 'log' &&
          e.level === 'warn' &&
          /rotten sent a bad piece: piece \d+ did not match its SHA-256: rotten is excluded/.test(e.message),
      ),
    );
  } finally {
    await mesh.close();
  }
});

test('a requester killed with SIGKILL resumes on restart and fetches only the missing pieces', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    const size = 400 * MiB;
    const want = seedEverywhere(mesh, ['s1', 's2'], 'big.iso', size);
    await startAll(mesh, ['s1', 's2']);
    const me = await mesh.startPeer('me', ['--verbose']);
    me.send('big.iso');
    await me.waitFor((e) => e.event === 'download-progress' && e.received >= size * 0.3, 30_000);
    me.kill('SIGKILL');
    await me.waitExit();
    assert.not.ok(existsSync(join(me.dir, 'Downloads', 'big.iso')));
    const again = await mesh.startPeer('me', ['--verbose']);
    const resumed = await again.waitFor('download-resumed', 10_000);
    assert.ok(resumed.event === 'download-resumed' && resumed.have > 0 && resumed.have < size, JSON.stringify(resumed));
    const have = resumed.event === 'download-resumed' ? resumed.have : 0;
    const done = (await again.waitFor(
      (e) => e.event === 'download-complete' || e.event === 'download-failed',
      60_000,
    )) as PeerEvent;
    assert.is(done.event, 'download-complete', JSON.stringify(done).slice(0, 300));
    const c = done as Complete;
    const fetched = c.sources.reduce((n, s) => n + s.bytes, 0);
    assert.is(fetched, size - have, `fetched ${fetched} after resuming with ${have} of ${size}`);
    assert.is(sha256File(join(again.dir, c.path)), want);
  } finally {
    await mesh.close();
  }
});

test('list, find and where match what peers really hold after joins, downloads and leaves', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    mesh.seed('a', { 'alpha.txt': 'A'.repeat(100), 'shared-notes.md': 'same' });
    mesh.seed('b', { 'beta.bin': randomBytes(5000), 'shared-notes.md': 'same' });
    mesh.seed('c', { 'alpha.txt': 'a different alpha' });
    await startAll(mesh, ['a', 'b', 'c']);
    const d = await mesh.startPeer('d');
    const deadline = Date.now() + 5000;
    let list: PeerEvent;
    for (;;) {
      list = await d.ask('list', 'list');
      if ((list.event === 'list' && list.files.length === 4) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(list.event === 'list');
    if (list.event !== 'list') return;
    const rows = list.files.map((f) => [f.name, f.holders]);
    assert.equal(
      rows,
      [
        ['alpha.txt', 1],
        ['alpha.txt', 1],
        ['beta.bin', 1],
        ['shared-notes.md', 2],
      ],
      'two different alpha.txt are two entries',
    );
    const found = await d.ask('find NOTES', 'find-results');
    assert.ok(found.event === 'find-results' && found.files.length === 1 && found.files[0]!.holders.join() === 'a,b');
    // A download makes d a holder; the index learns it.
    const got = await d.ask('beta.bin', (e) => e.event === 'download-complete' || e.event === 'not-found');
    assert.is(got.event, 'download-complete');
    await new Promise((r) => setTimeout(r, 600));
    const where = await d.ask('where beta.bin', 'where');
    assert.ok(where.event === 'where');
    if (where.event === 'where')
      assert.equal(
        where.holders
          .filter((h) => h.source === 'index')
          .map((h) => h.name)
          .sort(),
        ['b', 'd'],
      );
    // b leaves: it disappears from every listing.
    mesh.peer('b').send('Stop');
    await mesh.peer('b').waitExit();
    await new Promise((r) => setTimeout(r, 300));
    const after = await d.ask('find notes', 'find-results');
    assert.ok(after.event === 'find-results' && after.files[0]!.holders.join() === 'a');
    const files = await d.ask('seeding', 'files');
    assert.ok(files.event === 'files' && files.downloads.some((f) => f.name === 'beta.bin'));
  } finally {
    await mesh.close();
  }
});

test('with the metadata server stopped, search still works by flooding and the address book', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer(['--topology', 'line']);
    const data = randomBytes(3 * MiB);
    mesh.seed('x3', { 'far.bin': data });
    await startAll(mesh, ['x1', 'x2', 'x3']);
    mesh.server!.kill('SIGKILL');
    const x1 = mesh.peer('x1');
    await x1.waitFor((e) => e.event === 'server' && (e.state === 'lost' || e.state === 'unreachable'), 10_000);
    const done = await x1.ask('far.bin', (e) => e.event === 'download-complete' || e.event === 'not-found', 15_000);
    assert.is(done.event, 'download-complete', 'found by flooding two hops');
    if (done.event === 'download-complete') assert.is(sha256File(join(x1.dir, done.path)), sha256(data));
    // The new file is hashed for the index, and the log says truthfully that the server cannot be told now.
    const hashed = await x1.waitFor((e) => e.event === 'log' && /^hashes ready for 1 held file\b/.test(e.message));
    assert.ok(hashed.event === 'log' && /cannot be reached/.test(hashed.message), JSON.stringify(hashed));
    assert.not.match(hashed.event === 'log' ? hashed.message : '', /index is told/);
    const where = await x1.ask('where far.bin', 'where');
    assert.ok(where.event === 'where' && where.holders.some((h) => h.name === 'x3' && h.source === 'address-book'));
    const list = await x1.ask('list', 'list');
    assert.ok(
      list.event === 'list' && list.files.some((f) => f.name === 'far.bin'),
      'list falls back to the address book',
    );
    assert.ok(readdirSync(join(x1.dir, 'Downloads')).includes('far.bin'));
  } finally {
    await mesh.close();
  }
});

test.run();
