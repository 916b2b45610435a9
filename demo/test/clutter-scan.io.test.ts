/**
 * What demo/clutter-scan.ts recognises as the project's, on real folders: an older release's peer folder, and the
 * look-alikes it must leave (a `.p2p` that is a link, `peers` or `.meshshare` as links, a folder named like a demo's
 * that is not laid out as one). It only looks: nothing is removed here.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { scanClutter } from '../clutter-scan.js';

function scratch(): { base: string; dir: string; tmp: string; outside: string } {
  const base = mkdtempSync(join(tmpdir(), 'p2p-clutter-scan-'));
  const dir = join(base, 'cwd');
  const tmp = join(base, 'tmp');
  const outside = join(base, 'outside');
  for (const d of [dir, tmp, outside]) mkdirSync(d);
  return { base, dir, tmp, outside };
}

test("an older release's peer folder (.p2p/identity.json) is a peer folder; a .p2p that is a link is not", () => {
  const s = scratch();
  try {
    mkdirSync(join(s.dir, 'peers', 'old', '.p2p'), { recursive: true });
    writeFileSync(join(s.dir, 'peers', 'old', '.p2p', 'identity.json'), '{}');
    mkdirSync(join(s.outside, '.p2p'));
    writeFileSync(join(s.outside, '.p2p', 'identity.key'), 'k');
    mkdirSync(join(s.dir, 'peers', 'sneaky'));
    symlinkSync(join(s.outside, '.p2p'), join(s.dir, 'peers', 'sneaky', '.p2p'));
    const scan = scanClutter(s.dir, s.tmp);
    assert.equal(
      scan.items.map((i) => i.shown),
      ['peers/old/'],
    );
    assert.match(scan.skipped.find((k) => k.shown === 'peers/sneaky')!.reason, /its \.p2p is a link/);
  } finally {
    rmSync(s.base, { recursive: true, force: true });
  }
});

test('peers and .meshshare as links are reported and not followed', () => {
  const s = scratch();
  try {
    mkdirSync(join(s.outside, 's1', '.p2p'), { recursive: true });
    writeFileSync(join(s.outside, 's1', '.p2p', 'identity.key'), 'k');
    writeFileSync(join(s.outside, 'mesh.key'), 'k');
    symlinkSync(s.outside, join(s.dir, 'peers'));
    symlinkSync(s.outside, join(s.dir, '.meshshare'));
    const scan = scanClutter(s.dir, s.tmp);
    assert.equal(scan.items, []);
    assert.equal(
      scan.skipped.map((k) => k.shown),
      ['peers', '.meshshare'],
    );
    for (const k of scan.skipped) assert.match(k.reason, /links are not followed/);
  } finally {
    rmSync(s.base, { recursive: true, force: true });
  }
});

test("a .meshshare without the server's files, and a temporary folder named like a demo's but not one, stay", () => {
  const s = scratch();
  try {
    mkdirSync(join(s.dir, '.meshshare'));
    writeFileSync(join(s.dir, '.meshshare', 'notes.txt'), 'mine');
    mkdirSync(join(s.tmp, 'meshshare-demo-lookalike'));
    writeFileSync(join(s.tmp, 'meshshare-demo-lookalike', 'thesis.tex'), 'mine');
    mkdirSync(join(s.tmp, 'meshshare-tmux-abc'));
    const scan = scanClutter(s.dir, s.tmp);
    assert.equal(scan.items, []);
    assert.equal(
      scan.skipped.map((k) => k.reason),
      ['holds none of mesh.key, server.key, names.json: not a state folder', "not laid out as a demo's folder"],
    );
  } finally {
    rmSync(s.base, { recursive: true, force: true });
  }
});

test('sizes count files under the folder without following links', () => {
  const s = scratch();
  try {
    const peer = join(s.dir, 'peers', 's1');
    mkdirSync(join(peer, '.p2p'), { recursive: true });
    mkdirSync(join(peer, 'Downloads'));
    writeFileSync(join(peer, '.p2p', 'identity.key'), 'kkkk');
    writeFileSync(join(peer, 'Downloads', 'big.bin'), Buffer.alloc(1000));
    writeFileSync(join(s.outside, 'huge.bin'), Buffer.alloc(100_000));
    symlinkSync(s.outside, join(peer, 'Downloads', 'elsewhere'));
    const [item] = scanClutter(s.dir, s.tmp).items;
    assert.is(item!.total.files, 3);
    assert.ok(item!.total.bytes < 2000, `${item!.total.bytes} bytes: the link was followed`);
    assert.equal(item!.userFiles.folders, ['Downloads/']);
    assert.is(item!.userFiles.files, 2);
  } finally {
    rmSync(s.base, { recursive: true, force: true });
  }
});

test.run();
