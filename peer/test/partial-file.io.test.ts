/** The partial-file module on a real temporary folder: records, the have-bitfield and its journal, completion. */
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Hasher } from '../content/hasher.js';
import { encodeManifest, type Manifest } from '../content/manifest.js';
import { PartialFiles } from '../content/partial-file.js';
import { MIN_PIECE_SIZE } from '../content/piece-plan.js';
import { describe } from './fake-peer.js';

/** The manifest an honest holder of `data` offers (the fake holder's description, plus the size). */
function manifestOf(data: Buffer): Manifest {
  return { size: data.length, ...describe(data) };
}

const piece = (data: Buffer, i: number) => data.subarray(i * MIN_PIECE_SIZE, (i + 1) * MIN_PIECE_SIZE);

function setup() {
  const root = mkdtempSync(join(tmpdir(), 'partial-'));
  const dir = join(root, 'partial');
  const downloads = join(root, 'Downloads');
  mkdirSync(dir);
  mkdirSync(downloads);
  const data = randomBytes(4 * MIN_PIECE_SIZE + 3);
  return {
    root,
    dir,
    downloads,
    data,
    manifest: manifestOf(data),
    done: () => rmSync(root, { recursive: true, force: true }),
  };
}

test('a record round-trips with its download id, held pieces and unconfirmed journal', async () => {
  const t = setup();
  try {
    const files = new PartialFiles(t.dir);
    const f = await files.open('disk.img', t.manifest, { download: 'dl-abc_123' });
    await f.write(0, piece(t.data, 0));
    f.confirm(0);
    await f.write(2, piece(t.data, 2)); // written, never confirmed: as if the process was killed here
    const r = files.load(t.manifest.sha256)!;
    assert.ok(r, 'loads');
    assert.is(r.file, 'disk.img');
    assert.is(r.download, 'dl-abc_123');
    assert.is(r.have.count, 1);
    assert.ok(r.have.has(0));
    assert.equal(r.unconfirmed, [2]);
    assert.equal(
      files.all().map((x) => x.file),
      ['disk.img'],
    );
    await f.close();
  } finally {
    t.done();
  }
});

test('a resume checks only the unconfirmed pieces from disk and keeps those that match', async () => {
  const t = setup();
  const hasher = new Hasher();
  try {
    const files = new PartialFiles(t.dir);
    const f = await files.open('disk.img', t.manifest);
    await f.write(0, piece(t.data, 0));
    f.confirm(0);
    await f.write(1, piece(t.data, 1));
    const torn = Buffer.from(piece(t.data, 3));
    torn[5]! ^= 1;
    await f.write(3, torn);
    await f.close();
    const record = files.load(t.manifest.sha256)!;
    assert.equal(record.unconfirmed.sort(), [1, 3]);
    const again = await files.open('disk.img', t.manifest, { resume: record });
    assert.ok(again.resumed);
    const session = await hasher.open(again.path, t.manifest, again.have, again.recheck);
    assert.equal(session.recovered, [1], 'piece 1 was whole on disk; piece 3 was not');
    await hasher.close(session);
    await again.close();
  } finally {
    hasher.stop();
    t.done();
  }
});

test('one writer per content: a second open of the same content is refused until the first is closed', async () => {
  const t = setup();
  try {
    const files = new PartialFiles(t.dir);
    const f = await files.open('disk.img', t.manifest);
    let refused = '';
    await files.open('other-name.img', t.manifest).catch((err: Error) => (refused = err.message));
    assert.match(refused, /already being downloaded/);
    await f.close();
    const again = await files.open('other-name.img', t.manifest, { resume: files.load(t.manifest.sha256)! });
    await again.close();
  } finally {
    t.done();
  }
});

test('held bits are trusted only for exactly this content and only where the data reaches', async () => {
  const t = setup();
  try {
    const files = new PartialFiles(t.dir);
    const f = await files.open('disk.img', t.manifest);
    for (const i of [0, 1, 2]) {
      await f.write(i, piece(t.data, i));
      f.confirm(i);
    }
    await f.close();
    const record = files.load(t.manifest.sha256)!;
    assert.is(record.have.count, 3);
    // A power cut kept the bitfield's update but lost the end of the data: pieces past the end are not held.
    truncateSync(join(t.dir, `${t.manifest.sha256}.part`), 2 * MIN_PIECE_SIZE + 10);
    const cut = await files.open('disk.img', t.manifest, { resume: record });
    assert.equal(
      [0, 1, 2].map((i) => cut.have.has(i)),
      [true, true, false],
    );
    await cut.close();
    // A record of the same SHA-256 with other piece hashes (forged) does not lend its held bits.
    const forged = { ...record, manifest: { ...record.manifest, pieces: Buffer.alloc(record.manifest.pieces.length) } };
    const fresh = await files.open('disk.img', t.manifest, { resume: forged });
    assert.is(fresh.have.count, 0);
    assert.not.ok(fresh.resumed);
    await fresh.close();
  } finally {
    t.done();
  }
});

test('a held piece missing from disk does not stop the hashing thread for other downloads', async () => {
  const t = setup();
  const other = setup();
  const hasher = new Hasher();
  try {
    const files = new PartialFiles(t.dir);
    const f = await files.open('disk.img', t.manifest);
    await f.write(0, piece(t.data, 0));
    f.confirm(0);
    // The record claims piece 1 too, but its bytes never reached the file.
    f.have.set(1);
    const broken = await hasher.open(f.path, t.manifest, f.have);
    await new Promise((r) => setTimeout(r, 50)); // the resume pump reaches the missing piece
    assert.is(await hasher.finish(broken), undefined, 'no whole-file hash from a file with a hole');
    const bad = await hasher.rescan(broken);
    assert.ok(bad.includes(1), `the unreadable piece is reported bad (${bad.join(',')})`);
    // Another download on the same thread still works.
    const files2 = new PartialFiles(other.dir);
    const g = await files2.open('x.img', other.manifest);
    await g.write(0, piece(other.data, 0));
    const session = await hasher.open(g.path, other.manifest, g.have);
    assert.ok(await hasher.verify(session, 0, Buffer.from(piece(other.data, 0)), false));
    await hasher.close(session);
    await hasher.close(broken);
    await g.close();
    await f.close();
  } finally {
    hasher.stop();
    t.done();
    other.done();
  }
});

test('a damaged or foreign record is ignored', async () => {
  const t = setup();
  try {
    const files = new PartialFiles(t.dir);
    const f = await files.open('disk.img', t.manifest);
    await f.close();
    const path = join(t.dir, `${t.manifest.sha256}.json`);
    const good = JSON.parse(readFileSync(path, 'utf8'));
    const bad = [
      '{not json',
      JSON.stringify({ ...good, file: '../escape' }),
      JSON.stringify({ ...good, download: 'bad id with spaces' }),
      JSON.stringify({ ...good, pieceSize: 7 }),
      JSON.stringify({ ...good, ...encodeManifest(manifestOf(randomBytes(10))) }), // another content under this name
    ];
    for (const body of bad) {
      writeFileSync(path, body);
      assert.is(files.load(t.manifest.sha256), undefined, body.slice(0, 60));
    }
    writeFileSync(path, JSON.stringify(good));
    writeFileSync(join(t.dir, `${t.manifest.sha256}.have`), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff]));
    const r = files.load(t.manifest.sha256)!;
    assert.is(r.have.count, 5, 'a bitfield with no journal holds its bits');
    assert.equal(r.unconfirmed, []);
  } finally {
    t.done();
  }
});

test('complete flushes, renames into Downloads under a free name and forgets the record', async () => {
  const t = setup();
  try {
    writeFileSync(join(t.downloads, 'disk.img'), 'already here');
    const files = new PartialFiles(t.dir);
    const f = await files.open('disk.img', t.manifest);
    for (let i = 0; i < 5; i++) {
      await f.write(i, piece(t.data, i));
      f.confirm(i);
    }
    assert.ok(f.have.full);
    const name = await f.complete(t.downloads);
    assert.is(name, 'disk (2).img');
    assert.ok(readFileSync(join(t.downloads, name)).equals(t.data));
    assert.is(readFileSync(join(t.downloads, 'disk.img'), 'utf8'), 'already here');
    assert.equal(readdirSync(t.dir), []);
    assert.not.ok(existsSync(f.path));
  } finally {
    t.done();
  }
});

test('a final move that fails keeps the data and the record, and frees the content to be asked for again', async () => {
  const t = setup();
  try {
    const files = new PartialFiles(t.dir);
    const f = await files.open('disk.img', t.manifest);
    for (let i = 0; i < 5; i++) {
      await f.write(i, piece(t.data, i));
      f.confirm(i);
    }
    // The downloads folder is gone (unmounted, deleted): the link fails.
    const failed = await f.complete(join(t.root, 'gone')).then(
      () => false,
      () => true,
    );
    assert.ok(failed, 'the move fails');
    await f.close();
    assert.ok(existsSync(f.path), 'the data stays');
    assert.is(files.load(t.manifest.sha256)?.have.count, 5, 'and the record');
    assert.not.ok(files.isOpen(t.manifest.sha256), 'the content is free again');
    const again = await files.open('disk.img', t.manifest); // was "already being downloaded" until a restart
    await again.close();
  } finally {
    t.done();
  }
});

test.run();
