import { mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { P2pError } from '../../common/errors.js';
import { FileCatalog } from '../files/file-catalog.js';
import { Hasher } from '../content/hasher.js';
import { PeerFolders } from '../files/peer-folders.js';
import { describe } from './fake-peer.js';
import { unusedName } from '../files/file-name.js';
import { pieceSizeFor } from '../content/piece-plan.js';

function fixture() {
  const root = mkdtempSync(join(tmpdir(), 'catalog-'));
  const folders = new PeerFolders(join(root, 'peer')).ensure();
  const hasher = new Hasher();
  return {
    root,
    folders,
    hasher,
    catalog: new FileCatalog(folders, hasher, { settleMs: 0 }),
    done: () => (hasher.stop(), rmSync(root, { recursive: true, force: true })),
  };
}

test('resolves an exact name first, then a unique stem; an ambiguous stem finds nothing', () => {
  const f = fixture();
  try {
    writeFileSync(join(f.folders.shared, 'notes.txt'), 'a');
    writeFileSync(join(f.folders.shared, 'report.md'), 'b');
    writeFileSync(join(f.folders.downloads, 'report.pdf'), 'c');
    writeFileSync(join(f.folders.shared, 'report'), 'exact');
    assert.is(f.catalog.resolve('notes')?.relative, 'shared/notes.txt');
    assert.is(f.catalog.resolve('report')?.relative, 'shared/report', 'an exact name wins over stems');
    rmSync(join(f.folders.shared, 'report'));
    assert.is(f.catalog.resolve('report'), undefined, 'report.md and report.pdf: ambiguous');
    assert.is(f.catalog.resolve('report.pdf')?.relative, 'Downloads/report.pdf');
  } finally {
    f.done();
  }
});

test('never serves a link that leads out of its folder, hidden files or folders', () => {
  const f = fixture();
  try {
    writeFileSync(join(f.root, 'outside.txt'), 'secret');
    writeFileSync(join(f.folders.shared, 'inside.txt'), 'ok');
    symlinkSync(join(f.root, 'outside.txt'), join(f.folders.shared, 'escape.txt'));
    symlinkSync(join(f.folders.shared, 'inside.txt'), join(f.folders.shared, 'alias.txt'));
    writeFileSync(join(f.folders.shared, '.hidden'), 'h');
    mkdirSync(join(f.folders.shared, 'sub'));
    assert.is(f.catalog.resolve('escape.txt'), undefined);
    assert.ok(f.catalog.resolve('alias.txt'), 'a link that stays inside is fine');
    assert.is(f.catalog.resolve('sub'), undefined);
    const listed = f.catalog.refresh().shared.map((x) => x.name);
    assert.equal(listed, ['alias.txt', 'inside.txt']);
    let code: string | undefined;
    try {
      f.catalog.resolve('../outside.txt');
    } catch (err) {
      code = (err as P2pError).code;
    }
    assert.is(code, 'P2P_ERR_BAD_PATH');
  } finally {
    f.done();
  }
});

test('digests match an independent computation and are cached until the file changes', async () => {
  const f = fixture();
  try {
    const data = Buffer.alloc(2.5 * 1024 * 1024, 7);
    writeFileSync(join(f.folders.shared, 'big.bin'), data);
    const held = f.catalog.resolve('big.bin')!;
    const d = await f.catalog.digest(held);
    const expect = describe(data);
    assert.is(d.sha256, expect.sha256);
    assert.is(d.pieceSize, pieceSizeFor(data.length));
    assert.ok(d.pieces.equals(expect.pieces));
    assert.ok(d.prefixes.equals(expect.prefixes));
    const again = new FileCatalog(f.folders, f.hasher, { settleMs: 0 });
    assert.is((await again.digest(held)).sha256, d.sha256, 'read back from the on-disk cache');
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(join(f.folders.shared, 'big.bin'), 'changed');
    assert.is.not((await again.digest(again.resolve('big.bin')!)).sha256, d.sha256, 'a changed file is hashed again');
  } finally {
    f.done();
  }
});

test('a name taken in Downloads gets a numbered sibling', () => {
  const taken = new Set(['a.txt', 'a (2).txt']);
  assert.is(
    unusedName('a.txt', (n) => taken.has(n)),
    'a (3).txt',
  );
  assert.is(
    unusedName('b.txt', (n) => taken.has(n)),
    'b.txt',
  );
});

test.run();
