/**
 * The only writer inside Mirror/ (peer/mirror/mirror-writer.ts) on a real disk: a folder checked earlier in a round
 * and replaced by a link before a file is renamed into it is refused, and nothing is written through the link. The
 * partial files of content superseded while the mirror was away are removed (peer/mirror/partial-sweep.ts).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MirrorWriter } from '../mirror/mirror-writer.js';
import { MirrorBook } from '../mirror/mirror-book.js';
import { IN_MEMORY_BYTES, partialName } from '../mirror/incoming-file.js';
import { sweepPartials } from '../mirror/partial-sweep.js';

test('a folder replaced by a link after it was checked is refused right before the rename', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mirror-writer-'));
  try {
    const outside = join(dir, 'outside');
    mkdirSync(outside);
    mkdirSync(join(dir, 'state'));
    const writer = new MirrorWriter(join(dir, 'Mirror'));
    writer.ensure();
    const data = Buffer.from('first');
    const want = (d: Buffer) => ({ sha256: createHash('sha256').update(d).digest('hex'), mtime: 1_700_000_000_000 });
    const tmp = join(dir, 'state', 'x.tmp');
    const first = writer.installBytes('own', 'sub/a.txt', tmp, data, want(data), undefined);
    assert.equal(
      first.outcomes.map((o) => o.action),
      ['added'],
    );
    // Swapped for a link during the round: the folder check is remembered, the rename must look again.
    renameSync(join(dir, 'Mirror', 'own', 'sub'), join(dir, 'moved'));
    symlinkSync(outside, join(dir, 'Mirror', 'own', 'sub'));
    const next = Buffer.from('second');
    assert.throws(
      () => writer.installBytes('own', 'sub/b.txt', tmp, next, want(next), undefined),
      /Mirror\/own\/sub was replaced by a link: not followed/,
    );
    assert.throws(() => writer.remove('own', 'sub/a.txt', undefined), /link: not followed/);
    assert.equal(readdirSync(outside), [], 'nothing written through the link');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('partial files of superseded content, unknown owners and older names go; wanted ones stay', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mirror-partial-'));
  try {
    const book = new MirrorBook('own', join(dir, 'own.jsonl'));
    const size = IN_MEMORY_BYTES + 1;
    const [now, old, held] = ['1', '2', '3'].map((c) => c.repeat(64));
    book.publish({ path: 'big.bin', size, sha256: now!, mtime: 1, seq: 2 });
    book.publish({ path: 'done.bin', size, sha256: held!, mtime: 1, seq: 1 });
    book.record('done.bin', { sha256: held!, size, mtimeMs: 1, ino: 1 });
    const wanted = partialName('own', 'big.bin', now!);
    const stale = [
      partialName('own', 'big.bin', old!), // the owner changed it since
      partialName('own', 'done.bin', held!), // held whole already
      partialName('gone', 'x.bin', now!), // an owner no longer known
      `own-${now}.part`, // the older form of name
    ];
    for (const f of [wanted, ...stale, 'notes.txt']) writeFileSync(join(dir, f), 'partial');
    assert.is(sweepPartials(dir, new Map([['own', book]])), stale.length);
    assert.equal(readdirSync(dir).sort(), [wanted, 'notes.txt'].sort());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
