/** One watch per folder (peer/files/folder-watcher.ts): events mark names, folders come and go, a failure is said. */
import { mkdirSync, mkdtempSync, rmSync, statSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FolderWatcher } from '../files/folder-watcher.js';

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

test('a watch refused (the inotify limit) is said, and no more watches are tried', () => {
  const root = mkdtempSync(join(tmpdir(), 'watch-'));
  let calls = 0;
  const full = ((...args: Parameters<typeof watch>) => {
    if (++calls > 1)
      throw Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' });
    return watch(...args);
  }) as typeof watch;
  const w = new FolderWatcher(() => undefined, full);
  try {
    mkdirSync(join(root, 'a'));
    mkdirSync(join(root, 'b'));
    w.sync([folder(root, ''), folder(root, 'a'), folder(root, 'b')], false);
    assert.match(w.broken ?? '', /cannot watch 3 folders .*ENOSPC/);
    assert.is(w.size, 1);
    assert.is(calls, 2, 'tried no more after the limit');
  } finally {
    w.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
