/**
 * The catalog over nested folders (docs/ARCHITECTURE.md "Files and folders"): paths as names, links out, collisions,
 * hostile names, the watcher, the settle timer, the debounced digest cache, and downloads placed at their path.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { P2pError } from '../../common/errors.js';
import { FileCatalog, type FileCatalogOptions } from '../files/file-catalog.js';
import { Hasher } from '../content/hasher.js';
import { PeerFolders } from '../files/peer-folders.js';
import { MAX_PATH_DEPTH } from '../files/relative-path.js';
import { placeFile } from '../content/final-move.js';

function fixture(options: FileCatalogOptions = { settleMs: 0 }) {
  const root = mkdtempSync(join(tmpdir(), 'tree-'));
  const folders = new PeerFolders(join(root, 'peer')).ensure();
  const hasher = new Hasher();
  const catalog = new FileCatalog(folders, hasher, options);
  const notices: string[] = [];
  catalog.on('notice', (m) => notices.push(m));
  const put = (rel: string, data: string | Buffer = rel) => {
    const path = join(folders.shared, ...rel.split('/'));
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, data);
    return path;
  };
  return {
    root,
    folders,
    catalog,
    notices,
    put,
    names: () => catalog.refresh().shared.map((f) => f.name),
    done: () => (catalog.stop(), hasher.stop(), rmSync(root, { recursive: true, force: true })),
  };
}

function badPath(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    return (err as P2pError).code;
  }
  return undefined;
}

/** Waits for a `files` event whose shared listing passes `ok`; resolves with the ms it took. */
function filesEvent(catalog: FileCatalog, ok: (shared: string[]) => boolean, limitMs = 5000): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no such files event within ${limitMs} ms`)), limitMs);
    const on = (shared: { name: string }[]) => {
      if (!ok(shared.map((f) => f.name))) return;
      clearTimeout(timer);
      catalog.off('files', on);
      resolve(performance.now() - started);
    };
    catalog.on('files', on);
  });
}

test('files in subfolders are listed by their relative path and found by path, base name or stem', () => {
  const f = fixture();
  try {
    f.put('docs/report.pdf');
    f.put('a/b/c/deep.bin');
    f.put('top.txt');
    f.put('.hidden/secret.txt');
    f.put('docs/.draft.txt');
    assert.equal(f.names(), ['top.txt', 'a/b/c/deep.bin', 'docs/report.pdf']);
    assert.is(f.catalog.resolve('docs/report.pdf')?.relative, 'shared/docs/report.pdf');
    assert.is(f.catalog.resolve('report.pdf')?.name, 'docs/report.pdf');
    assert.is(f.catalog.resolve('report')?.name, 'docs/report.pdf');
    assert.is(f.catalog.resolve('deep')?.path, join(f.folders.shared, 'a', 'b', 'c', 'deep.bin'));
    assert.is(f.catalog.resolve('secret.txt'), undefined, 'hidden folders are never shared');
    assert.is(f.catalog.resolve('docs'), undefined, 'a folder is not a file');
    writeFileSync(join(f.folders.downloads, 'report.pdf'), 'top-level download');
    assert.is(f.catalog.resolve('report.pdf')?.relative, 'Downloads/report.pdf', 'an exact path wins over a base name');
  } finally {
    f.done();
  }
});

test('two paths with one base name: resolve finds neither, matches lists both, each path finds itself', () => {
  const f = fixture();
  try {
    f.put('docs/report.pdf', 'one');
    f.put('old/report.pdf', 'two');
    assert.is(f.catalog.resolve('report.pdf'), undefined);
    assert.equal(
      f.catalog.matches('report').map((x) => x.name),
      ['docs/report.pdf', 'old/report.pdf'],
    );
    assert.equal(f.catalog.answers('report.pdf')?.length, 2, 'a flooded query is answered with each path');
    assert.is(f.catalog.resolve('old/report.pdf')?.name, 'old/report.pdf');
  } finally {
    f.done();
  }
});

test('links out, links to folders, folders leading out are not shared, and each is said once', () => {
  const f = fixture();
  try {
    const outside = join(f.root, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    f.put('docs/inside.txt');
    symlinkSync(outside, join(f.folders.shared, 'docs', 'escape'));
    symlinkSync(join(outside, 'secret.txt'), join(f.folders.shared, 'docs', 'leak.txt'));
    symlinkSync(join(f.folders.shared, 'docs'), join(f.folders.shared, 'loop'));
    symlinkSync(join(f.folders.shared, 'docs', 'inside.txt'), join(f.folders.shared, 'alias.txt'));
    assert.equal(f.names(), ['alias.txt', 'docs/inside.txt']);
    assert.is(f.catalog.resolve('secret.txt'), undefined);
    assert.ok(
      f.notices.some((n) => /shared\/docs\/escape is a link leading out of shared\//.test(n)),
      f.notices.join('\n'),
    );
    assert.ok(f.notices.some((n) => /shared\/docs\/leak\.txt is a link leading out/.test(n)));
    assert.ok(f.notices.some((n) => /shared\/loop is a link to a folder/.test(n)));
    const said = f.notices.length;
    f.catalog.refresh();
    assert.is(f.notices.length, said, 'said once per change');
    assert.not.ok(f.notices.some((n) => /subfolders are not shared/.test(n)));
  } finally {
    f.done();
  }
});

test('of two paths that differ only by case or accents one is offered and the other named', () => {
  const f = fixture();
  try {
    f.put('Docs/a.txt', 'upper');
    f.put('docs/a.txt', 'lower');
    f.put('x/caf\u00e9.txt', 'composed');
    f.put('x/cafe\u0301.txt', 'decomposed');
    const names = f.names();
    assert.equal(names, ['Docs/a.txt', 'x/cafe\u0301.txt'], 'the first in code-unit order (e before é)');
    assert.ok(f.notices.some((n) => /shared\/docs\/a\.txt is not shared: .*differs from shared\/Docs\/a\.txt/.test(n)));
    assert.ok(f.notices.some((n) => n.startsWith('shared/x/caf\u00e9.txt is not shared')));
  } finally {
    f.done();
  }
});

test('hostile names are refused: .., absolute paths, backslashes, too deep or too long', () => {
  const f = fixture();
  try {
    f.put('docs/report.pdf');
    for (const bad of ['../outside.txt', 'docs/../../x', '/etc/passwd', 'docs\\report.pdf', 'a//b', 'x'.repeat(1100)])
      assert.is(
        badPath(() => f.catalog.resolve(bad)),
        'P2P_ERR_BAD_PATH',
        bad.slice(0, 40),
      );
    const deep = Array.from({ length: MAX_PATH_DEPTH + 1 }, (_, i) => `d${i}`);
    mkdirSync(join(f.folders.shared, ...deep), { recursive: true });
    writeFileSync(join(f.folders.shared, ...deep, 'too-deep.txt'), 'x');
    f.put('odd\\name/in.txt');
    assert.equal(f.names(), ['docs/report.pdf']);
    assert.ok(
      f.notices.some((n) => /nested too deep or too long/.test(n)),
      f.notices.join('\n'),
    );
    assert.ok(f.notices.some((n) => /odd\\name: a name with a backslash cannot be shared/.test(n)));
  } finally {
    f.done();
  }
});

test('started, a new file in a new folder is noticed by the watcher, and a removed one goes', async () => {
  const f = fixture({ settleMs: 0, rescanMs: 60_000 });
  try {
    f.put('docs/old.txt');
    f.catalog.start();
    assert.ok(f.catalog.watching);
    const seen = filesEvent(f.catalog, (s) => s.includes('new/deeper/fresh.txt'), 2000);
    mkdirSync(join(f.folders.shared, 'new', 'deeper'), { recursive: true });
    writeFileSync(join(f.folders.shared, 'new', 'deeper', 'fresh.txt'), 'x');
    const ms = await seen;
    assert.ok(ms < 1000, `${ms} ms`);
    const gone = filesEvent(f.catalog, (s) => !s.includes('docs/old.txt'), 2000);
    rmSync(join(f.folders.shared, 'docs'), { recursive: true });
    await gone;
    const moved = filesEvent(f.catalog, (s) => s.includes('moved/fresh.txt') && !s.includes('new/deeper/fresh.txt'));
    renameSync(join(f.folders.shared, 'new', 'deeper'), join(f.folders.shared, 'moved'));
    await moved;
  } finally {
    f.done();
  }
});

test('a settling file is offered when it becomes due, by the catalog itself', async () => {
  const f = fixture({ settleMs: 300, rescanMs: 60_000 });
  try {
    f.catalog.start();
    const offered = filesEvent(f.catalog, (s) => s.includes('docs/new.bin'), 3000);
    const started = performance.now();
    f.put('docs/new.bin', 'fresh');
    await offered;
    const ms = performance.now() - started;
    assert.ok(ms >= 290 && ms < 1000, `offered after ${ms} ms`);
  } finally {
    f.done();
  }
});

test('the digest cache is written once after a burst of digests and at stop, not once per file', async () => {
  const f = fixture({ settleMs: 0, saveDelayMs: 60_000 });
  try {
    for (let i = 0; i < 20; i++) f.put(`d${i % 4}/f${i}.bin`, `content ${i}`);
    const hashes = join(f.folders.state, 'hashes.json');
    const files = await f.catalog.warm();
    assert.is(files.length, 20);
    assert.not.ok(existsSync(hashes), 'not written yet');
    f.catalog.stop();
    const stored = JSON.parse(readFileSync(hashes, 'utf8')) as Record<string, { sha256: string }>;
    assert.is(Object.keys(stored).length, 20);
    const one = files.find((x) => x.name === 'd1/f5.bin')!;
    assert.is(stored[one.path]?.sha256, createHash('sha256').update('content 5').digest('hex'));
  } finally {
    f.done();
  }
});

test('a download lands at its path under the downloads folder, numbered in its folder when taken', async () => {
  const f = fixture();
  try {
    const dir = f.folders.downloads;
    const part = (data: string) => {
      const p = join(f.root, `part-${Math.random()}`);
      writeFileSync(p, data);
      return p;
    };
    assert.is(await placeFile(part('one'), dir, 'docs/2024/report.pdf'), 'docs/2024/report.pdf');
    assert.is(readFileSync(join(dir, 'docs', '2024', 'report.pdf'), 'utf8'), 'one');
    assert.is(await placeFile(part('two'), dir, 'docs/2024/report.pdf'), 'docs/2024/report (2).pdf');
    assert.is(readFileSync(join(dir, 'docs', '2024', 'report.pdf'), 'utf8'), 'one', 'never over a stored file');
    const outside = join(f.root, 'elsewhere');
    mkdirSync(outside);
    symlinkSync(outside, join(dir, 'linked'));
    const kept = part('three');
    let code: string | undefined;
    await placeFile(kept, dir, 'linked/x.txt').catch((err: P2pError) => (code = err.code));
    assert.is(code, 'P2P_ERR_BAD_PATH');
    assert.equal(readdirSync(outside), [], 'nothing written outside the downloads folder');
    assert.ok(existsSync(kept), 'the partial data stays for another try');
    mkdirSync(join(dir, 'real'));
    symlinkSync(join(dir, 'real'), join(dir, 'inner'));
    assert.is(await placeFile(part('four'), dir, 'inner/y.txt'), 'inner/y.txt', 'a link that stays inside is fine');
    assert.is(readFileSync(join(dir, 'real', 'y.txt'), 'utf8'), 'four');
    await placeFile(part('five'), dir, '../escape.txt').catch((err: P2pError) => (code = `${err.code}!`));
    assert.is(code, 'P2P_ERR_BAD_PATH!');
    const listed = f.catalog.refresh().downloads.map((x) => x.name);
    assert.ok(listed.includes('docs/2024/report (2).pdf') && listed.includes('real/y.txt'), listed.join());
  } finally {
    f.done();
  }
});

test.run();
