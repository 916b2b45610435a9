/**
 * Mirror copies kept true to the owner (docs/PROTOCOL.md "Mirror"): identical content under several paths arrives
 * whole at every path (each large file has its own partial file), the copies carry the owner's time, and a later
 * change of one of them on the owner makes no conflict copy. A copy deleted or edited on the mirror is fetched again
 * (the edit kept aside).
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Mesh, sha256, sha256File } from '../../harness/mesh.js';
import { inSync, mirrored } from './mirror-waits.js';

test('identical large files under several paths all arrive whole; a later change makes no conflict', async () => {
  const mesh = new Mesh();
  try {
    const big = randomBytes(4 * 1024 * 1024 + 3);
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 4; i++) files[`copy${i}.bin`] = big;
    mesh.seed('own', files);
    await mesh.startServer();
    const own = await mesh.startPeer('own');
    await own.waitHashed();
    const mir = await mesh.startPeer('mir', ['--mirror']);
    await mir.waitFor(inSync('own', 4), 30_000);
    const root = join(mesh.dirOf('mir'), 'Mirror', 'own');
    const shared = join(mesh.dirOf('own'), 'shared');
    for (let i = 0; i < 4; i++) {
      const name = `copy${i}.bin`;
      assert.is(sha256File(join(root, name)), sha256(big), name);
      assert.is(statSync(join(root, name)).mtimeMs, statSync(join(shared, name)).mtimeMs, `${name}'s time`);
    }
    const from = mir.events.length;
    writeFileSync(join(shared, 'copy0.bin'), 'v2\n');
    await mir.waitFor((e) => e.event === 'mirror' && e.path === 'copy0.bin' && e.action === 'changed', 15_000, from);
    await mir.waitFor(inSync('own', 4), 15_000, from);
    const conflicts = mir.events.slice(from).filter((e) => e.event === 'mirror' && e.action === 'conflict');
    assert.equal(conflicts, []);
    assert.equal(readdirSync(root).sort(), ['copy0.bin', 'copy1.bin', 'copy2.bin', 'copy3.bin']);
    assert.is(sha256File(join(root, 'copy0.bin')), sha256(Buffer.from('v2\n')));
  } finally {
    await mesh.close();
  }
});

test('a copy deleted and one edited on a stopped mirror are restored on restart; the edit is kept aside', async () => {
  const mesh = new Mesh();
  try {
    mesh.seed('own', { 'del.txt': 'deleted on the mirror\n', 'edit.txt': 'owner v1\n', 'keep.txt': 'kept\n' });
    await mesh.startServer();
    const own = await mesh.startPeer('own');
    await own.waitHashed();
    let mir = await mesh.startPeer('mir', ['--mirror']);
    await mir.waitFor(inSync('own', 3), 15_000);
    mir.kill('SIGTERM');
    await mir.waitExit();
    const root = join(mesh.dirOf('mir'), 'Mirror', 'own');
    rmSync(join(root, 'del.txt'));
    writeFileSync(join(root, 'edit.txt'), 'edited on the mirror\n');

    mir = await mesh.startPeer('mir', ['--mirror']);
    const conflict = await mir.waitFor(mirrored('own', 'edit.txt', 'conflict'), 15_000);
    await mir.waitFor(mirrored('own', 'edit.txt', 'changed'), 15_000);
    await mir.waitFor(mirrored('own', 'del.txt', 'added'), 15_000);
    await mir.waitFor(inSync('own', 3), 15_000);
    const kept = conflict.event === 'mirror' ? conflict.kept! : '';
    assert.match(kept, /^edit\.conflict-\d{8}-\d{6}\.txt$/);
    assert.is(readFileSync(join(root, kept), 'utf8'), 'edited on the mirror\n');
    assert.is(readFileSync(join(root, 'edit.txt'), 'utf8'), 'owner v1\n');
    assert.is(readFileSync(join(root, 'del.txt'), 'utf8'), 'deleted on the mirror\n');
    const keep = mir.events.filter((e) => e.event === 'mirror' && e.path === 'keep.txt');
    assert.equal(keep, [], 'an untouched copy is left alone');
  } finally {
    await mesh.close();
  }
});

test.run();
