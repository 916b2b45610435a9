/**
 * A mirror whose disk fills mid-sync (docs/CONTRACT.md "Mirror, discovery and bandwidth"): its folder sits on a tiny
 * tmpfs; the sync stops with the reason, every file it finished is whole, and once there is room the rest follows
 * (a large file resumes from its partial file). Needs root (mount); skipped with a note otherwise.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Mesh, sha256, sha256File } from '../../harness/mesh.js';
import { canMount, mountSmallDisk } from '../../harness/small-disk.js';

test('a full disk leaves every mirrored file whole, and the rest follows once there is room', async () => {
  if (!canMount()) {
    console.log('  (not root: the mirror disk-full test needs to mount a small tmpfs; not run)');
    return;
  }
  const mesh = new Mesh();
  const dir = mesh.dirOf('mir');
  const disk = mountSmallDisk(dir, '10m');
  try {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 5; i++) files[`large-${i}.bin`] = randomBytes(3 * 1024 * 1024 + i);
    for (let i = 0; i < 20; i++) files[`small-${i}.bin`] = randomBytes(100_000 + i);
    mesh.seed('own', files);
    await mesh.startServer();
    await (await mesh.startPeer('own')).waitHashed();
    const mir = await mesh.startPeer('mir', ['--mirror']);
    await mir.waitFor(
      (e) => e.event === 'mirror-status' && e.owners.some((o) => /the disk is full/.test(o.problem ?? '')),
      20_000,
    );
    const root = join(dir, 'Mirror', 'own');
    const held = readdirSync(root);
    assert.ok(held.length > 0 && held.length < 25, `some files arrived before the disk was full (${held.length})`);
    for (const name of held) assert.is(sha256File(join(root, name)), sha256(files[name]!), `${name} is whole`);

    disk.grow('64m');
    await mir.waitFor(
      (e) => e.event === 'mirror-status' && e.owners.some((o) => o.state === 'in-sync' && o.files === 25),
      20_000,
    );
    for (const [name, data] of Object.entries(files)) assert.is(sha256File(join(root, name)), sha256(data), name);
    assert.equal(readdirSync(join(dir, '.p2p', 'mirror-partial')), [], 'no partial file left');
  } finally {
    for (const p of mesh.peers.values()) p.kill('SIGKILL');
    disk.unmount();
    await mesh.close();
  }
});

test.run();
