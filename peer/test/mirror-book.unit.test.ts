/**
 * A mirror's book of one owner (peer/mirror/mirror-book.ts): its counters (what is behind, held, published, and
 * the tree's cost in memory) always equal a walk of every entry, after any mix of changes and after a reload.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { entryCost, MirrorBook } from '../mirror/mirror-book.js';

const dir = mkdtempSync(join(tmpdir(), 'mirror-book-'));

/** The figures a walk of every entry gives. */
function walked(book: MirrorBook) {
  let [behind, total, held, tree] = [0, 0, 0, 0];
  for (const [path, e] of book.published) {
    total += e.size;
    tree += entryCost(path);
    if (book.written.get(path)?.sha256 !== e.sha256) behind++;
  }
  for (const [path, w] of book.written) {
    held += w.size;
    if (!book.published.has(path)) behind++;
  }
  return { behind, total, held, tree };
}

const counted = (book: MirrorBook) => ({
  behind: book.behind(),
  total: book.total().bytes,
  held: book.held().bytes,
  tree: book.treeBytes,
});

test('the counters equal a walk of every entry after random changes, and after a reload', () => {
  const file = join(dir, 'own.jsonl');
  const book = new MirrorBook('own', file);
  let seed = 7;
  const rand = (n: number) => (seed = (seed * 48271) % 2147483647) % n;
  for (let i = 0; i < 5000; i++) {
    const path = `dir${rand(5)}/f${rand(300)}.txt`;
    const sha256 = String(rand(3)).repeat(64);
    const size = rand(1000);
    const op = rand(4);
    if (op === 0) book.publish({ path, size, sha256, mtime: 1, seq: i });
    else if (op === 1) book.unpublish(path);
    else if (op === 2) book.record(path, { sha256, size, mtimeMs: 1, ino: i });
    else book.unrecord(path);
    if (i % 500 === 0) assert.equal(counted(book), walked(book), `after ${i} changes`);
  }
  assert.equal(counted(book), walked(book));
  assert.ok(book.behind() > 0 && book.held().files > 0);
  book.save();
  const again = new MirrorBook('own', file);
  assert.equal(counted(again), walked(book));
  rmSync(dir, { recursive: true, force: true });
});

test.run();
