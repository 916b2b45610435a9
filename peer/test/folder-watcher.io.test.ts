/** One watch per folder (peer/files/folder-watcher.ts): events mark names, folders come and go, a failure is said. */
import { mkdirSync, mkdtempSync, rmSync, statSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FolderWatcher, WatchLimit } from '../files/folder-watcher.js';

const folder = (root: string, rel: string) => {
  const real = rel ? join(root, rel) : root;
  return { rel, real, ino: statSync(real).ino };
};

async function until(ok: () => boolean, ms = 2000): Promise<void> {
  for (const end = Date.now() + ms; !ok(); await new Promise((r) => setTimeout(r, 10)))
    if (Date.now() > end) throw new Error('not within the time');
}

test('marks the name that changed in the folder it changed in; new folders are read once, gone ones closed', async () => {
  const root = mkdtempSync(join(tmpdir(), 'watch-'));
  const marks: string[] = [];
  const w = new FolderWatcher((rel, name) => marks.push(`${rel}|${name ?? '*'}`));
  try {
    mkdirSync(join(root, 'a'));
    w.sync([folder(root, ''), folder(root, 'a')], false);
    assert.is(w.size, 2);
    assert.equal(marks, [], 'no re-read after a full listing');
    writeFileSync(join(root, 'a', 'x.txt'), 'x');
    await until(() => marks.includes('a|x.txt'));
    mkdirSync(join(root, 'b'));
    w.sync([folder(root, ''), folder(root, 'a'), folder(root, 'b')]);
    assert.ok(marks.includes('b|*'), 'a folder watched after it was listed is read once more');
    w.sync([folder(root, ''), folder(root, 'b')]);
    assert.is(w.size, 2, 'a folder no longer listed is no longer watched');
    assert.is(w.broken, undefined);
  } finally {
    w.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('a watch refused (the inotify limit) is said, every watch of the peer is closed, and no more are tried', () => {
  const root = mkdtempSync(join(tmpdir(), 'watch-'));
  let calls = 0;
  let closed = 0;
  const full = ((...args: Parameters<typeof watch>) => {
    if (++calls > 2)
      throw Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' });
    const made = watch(...args);
    made.once('close', () => closed++);
    return made;
  }) as typeof watch;
  const limit = new WatchLimit();
  const other = new FolderWatcher(() => undefined, { watchFolder: full, limit });
  const w = new FolderWatcher(() => undefined, { watchFolder: full, limit });
  try {
    mkdirSync(join(root, 'a'));
    mkdirSync(join(root, 'b'));
    other.sync([folder(root, 'b')], false);
    assert.is(other.size, 1);
    w.sync([folder(root, ''), folder(root, 'a'), folder(root, 'b')], false);
    assert.match(w.broken ?? '', /cannot watch 3 folders .*ENOSPC/);
    assert.is(w.size, 0, 'the watch made before the failure is closed: no partial set');
    assert.is(calls, 3, 'tried no more after the limit');
    other.sync([folder(root, 'b')], false);
    assert.is(other.size, 0, "the peer's other watcher closes its watches too");
    assert.match(other.broken ?? '', /ENOSPC/);
    w.sync([folder(root, '')]);
    assert.is(calls, 3, 'never tried again');
    assert.is(w.size, 0);
  } finally {
    w.close();
    other.close();
    rmSync(root, { recursive: true, force: true });
  }
  return new Promise((r) => setImmediate(r)).then(() => assert.is(closed, 2, 'both watches made were closed'));
});

test("a tree with more folders than the peer's cap leaves is not watched at all, and is watched again once it fits", () => {
  const root = mkdtempSync(join(tmpdir(), 'watch-'));
  const limit = new WatchLimit(3);
  const downloads = new FolderWatcher(() => undefined, { limit });
  const shared = new FolderWatcher(() => undefined, { limit });
  try {
    for (const d of ['a', 'b', 'c', 'd']) mkdirSync(join(root, d));
    const all = ['', 'a', 'b', 'c', 'd'].map((rel) => folder(root, rel));
    shared.sync(all.slice(0, 3), false);
    assert.is(shared.size, 3);
    shared.sync(all, false);
    assert.is(shared.size, 0, 'over the cap: every watch closed');
    assert.match(shared.broken ?? '', /^5 folders, more than the 3 watched at most$/);
    shared.sync(all.slice(0, 2));
    assert.is(shared.size, 2, 'fits again: watched again');
    assert.is(shared.broken, undefined);
    downloads.sync(all.slice(2, 4), false);
    assert.is(downloads.size, 0, 'the cap is for both trees together: 2 + 2 > 3');
    assert.match(downloads.broken ?? '', /^2 folders, more than the 1 left of the 3 watched at most$/);
  } finally {
    shared.close();
    downloads.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
