/**
 * `npm run unclutter` as a process (demo/unclutter.ts) in a scratch folder: it removes the peer folders, the
 * server's state and a demo folder left behind, and nothing else (a stray file, a plain folder, links and what they
 * point to); `--dry-run` removes nothing; without a terminal it needs `--yes`; a folder a peer or a metadata server
 * runs on stops it all.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lockFolder } from '../../peer/files/folder-lock.js';
import { startServer } from '../../harness/server-process.js';
import { existing, makeScratch, runUnclutter, type Scratch } from './clutter-fixture.js';

const OURS = ['peers/s1', 'peers/s2', '.meshshare'];
const NOT_OURS = ['peers/notes.txt', 'peers/other/mine.txt', 'peers/link'];

async function withScratch(fn: (s: Scratch) => Promise<void>): Promise<void> {
  const scratch = makeScratch();
  try {
    await fn(scratch);
  } finally {
    scratch.remove();
  }
}

test('--yes removes the peer folders, .meshshare and a left demo folder, and nothing else', () =>
  withScratch(async (s) => {
    const r = await runUnclutter(['--yes'], s);
    assert.is(r.code, 0, r.stderr);
    assert.equal(existing(s.dir, OURS), []);
    assert.not.ok(existsSync(s.leftDemo), 'the demo folder left behind is gone');
    assert.equal(existing(s.dir, NOT_OURS), NOT_OURS);
    assert.is(readFileSync(join(s.outside, 'keep.txt'), 'utf8'), 'outside the scratch folder\n');
    assert.match(r.stdout, /peers\/link: a link \(to .*outside\): links are not followed/);
    assert.match(r.stdout, /peers\/notes\.txt: not a folder/);
    assert.match(r.stdout, /peers\/other: not a peer folder/);
    assert.match(r.stdout, /warning: peers\/s1\/ holds 2 files, .* in shared\/: they will be deleted too/);
    assert.match(r.stdout, /removed 4 folders/);
    // peers/ stays: what it still holds is not ours.
    assert.ok(existsSync(join(s.dir, 'peers')));
  }));

test('--dry-run lists and removes nothing', () =>
  withScratch(async (s) => {
    const r = await runUnclutter(['--dry-run'], s);
    assert.is(r.code, 0, r.stderr);
    for (const shown of ['peers/s1/', 'peers/s2/', '.meshshare/', s.leftDemo]) assert.ok(r.stdout.includes(shown));
    assert.match(r.stdout, /dry run: nothing was removed/);
    assert.equal(existing(s.dir, [...OURS, ...NOT_OURS]), [...OURS, ...NOT_OURS]);
    assert.ok(existsSync(s.leftDemo));
  }));

test('without a terminal and without --yes it refuses with one sentence and exit 2', () =>
  withScratch(async (s) => {
    const r = await runUnclutter([], s);
    assert.is(r.code, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /^unclutter: there is no terminal to ask on: .*--yes/);
    assert.equal(existing(s.dir, OURS), OURS);
  }));

test('bad arguments: one sentence and exit 2', () =>
  withScratch(async (s) => {
    const r = await runUnclutter(['--everything'], s);
    assert.is(r.code, 2);
    assert.match(r.stderr, /^unclutter: unknown argument --everything: /);
    assert.equal(existing(s.dir, OURS), OURS);
  }));

test('a peer folder in use by a running peer: refuses, says which, removes nothing', () =>
  withScratch(async (s) => {
    const folder = join(s.dir, 'peers', 's2');
    // The lock a running peer holds (peer/files/folder-lock.ts), held by this live process.
    const lock = lockFolder(join(folder, '.p2p'), folder);
    try {
      const r = await runUnclutter(['--yes'], s);
      assert.is(r.code, 2);
      assert.match(r.stderr, new RegExp(`peers/s2/ is in use by a running peer \\(process ${process.pid}\\)`));
      assert.equal(existing(s.dir, OURS), OURS);
      assert.ok(existsSync(s.leftDemo));
    } finally {
      lock.release();
    }
  }));

test('.meshshare in use by a running metadata server: refuses; once it stopped, removes', () =>
  withScratch(async (s) => {
    const server = await startServer(['--state', join(s.dir, '.meshshare')]);
    try {
      const r = await runUnclutter(['--yes'], s);
      assert.is(r.code, 2);
      assert.match(
        r.stderr,
        new RegExp(`\\.meshshare/ is in use by a running metadata server \\(process ${server.child.pid}\\)`),
      );
      assert.equal(existing(s.dir, OURS), OURS);
    } finally {
      assert.is(await server.stop(), 0);
    }
    const r = await runUnclutter(['--yes'], s);
    assert.is(r.code, 0, r.stderr);
    assert.equal(existing(s.dir, OURS), []);
  }));

test('a demo folder whose demo still runs is left alone and mentioned', () =>
  withScratch(async (s) => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(s.leftDemo, 'demo.pid'), `${process.pid}\n`);
    const r = await runUnclutter(['--yes'], s);
    assert.is(r.code, 0, r.stderr);
    assert.ok(existsSync(s.leftDemo));
    assert.match(r.stdout, new RegExp(`meshshare-demo-left1: a running demo \\(process ${process.pid}\\)`));
  }));

test('nothing to do: says so, exit 0', () =>
  withScratch(async (s) => {
    const first = await runUnclutter(['--yes'], s);
    assert.is(first.code, 0, first.stderr);
    const r = await runUnclutter([], s);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /nothing to remove in /);
  }));

test.run();
