/**
 * Mirror mode (docs/PROTOCOL.md "Mirror") between real processes: an owner and a `--mirror` peer. Files added,
 * changed and deleted on the owner appear, change and vanish in `Mirror/OWNER/` (checked by SHA-256); a mirror that
 * was offline catches up on restart, deletions included; a copy edited on the mirror is kept aside as a conflict;
 * two owners are mirrored at once.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PeerEvent } from '../control/peer-events.js';
import { Mesh, sha256, sha256File, type PeerProcess } from '../../harness/mesh.js';
import { inSync, mirrored } from './mirror-waits.js';

/** Room for a loaded test machine (two cores running several peers) beyond the 2 s the contract allows. */
const SLACK_MS = 1000;

type Of<K extends PeerEvent['event']> = Extract<PeerEvent, { event: K }>;

/** Does `act`, then waits for an event it caused (events from before it do not count). */
async function after(
  peer: PeerProcess,
  act: () => void,
  pred: (e: PeerEvent) => boolean,
  ms = 15_000,
): Promise<PeerEvent> {
  const from = peer.events.length;
  act();
  return peer.waitFor(pred, ms, from);
}

test('files added, changed and deleted on the owner follow in Mirror/OWNER, verified', async () => {
  const mesh = new Mesh();
  try {
    const big = randomBytes(3 * 1024 * 1024 + 7);
    mesh.seed('own', { 'a.txt': 'first\n', 'big.bin': big });
    await mesh.startServer();
    const own = await mesh.startPeer('own');
    await own.waitHashed();
    const mir = await mesh.startPeer('mir', ['--mirror']);
    const ready = (await mir.waitFor('ready')) as Of<'ready'>;
    assert.is(ready.mirror, true);
    const topo = (await own.ask('TOPO', 'topology')) as Of<'topology'>;
    assert.equal(
      topo.peers.map((p) => [p.name, p.mirror ?? false]),
      [
        ['mir', true],
        ['own', false],
      ],
    );
    await mir.waitFor(inSync('own', 2), 15_000);
    const root = join(mesh.dirOf('mir'), 'Mirror', 'own');
    assert.is(readFileSync(join(root, 'a.txt'), 'utf8'), 'first\n');
    assert.is(sha256File(join(root, 'big.bin')), sha256(big));

    const shared = join(mesh.dirOf('own'), 'shared');
    await after(mir, () => writeFileSync(join(shared, 'new.txt'), 'new\n'), mirrored('own', 'new.txt', 'added'));
    assert.is(readFileSync(join(root, 'new.txt'), 'utf8'), 'new\n');
    await after(mir, () => writeFileSync(join(shared, 'a.txt'), 'second\n'), mirrored('own', 'a.txt', 'changed'));
    assert.is(readFileSync(join(root, 'a.txt'), 'utf8'), 'second\n');
    const from = mir.events.length;
    await after(mir, () => rmSync(join(shared, 'big.bin')), mirrored('own', 'big.bin', 'deleted'));
    assert.not.ok(existsSync(join(root, 'big.bin')));
    const status = (await mir.waitFor(inSync('own', 2), 5000, from)) as Of<'mirror-status'>;
    const o = status.owners.find((x) => x.owner === 'own')!;
    assert.equal([o.behind, o.total.files, o.bytes], [0, 2, 'second\n'.length + 'new\n'.length]);
  } finally {
    await mesh.close();
  }
});

test('an offline mirror catches up on restart, deletions included; a local edit is kept aside as a conflict on return', async () => {
  const mesh = new Mesh();
  try {
    mesh.seed('own', { 'keep.txt': 'keep\n', 'gone.txt': 'gone\n', 'edit.txt': 'owner v1\n' });
    await mesh.startServer();
    const own = await mesh.startPeer('own');
    await own.waitHashed();
    let mir = await mesh.startPeer('mir', ['--mirror']);
    await mir.waitFor(inSync('own', 3), 15_000);
    mir.kill('SIGTERM');
    await mir.waitExit();

    const shared = join(mesh.dirOf('own'), 'shared');
    const root = join(mesh.dirOf('mir'), 'Mirror', 'own');
    rmSync(join(shared, 'gone.txt'));
    writeFileSync(join(shared, 'late.txt'), 'late\n');
    writeFileSync(join(root, 'edit.txt'), 'edited on the mirror\n');
    // Wait until the owner published both changes (its next version), then the mirror comes back.
    await new Promise((r) => setTimeout(r, 3500));
    mir = await mesh.startPeer('mir', ['--mirror']);
    await mir.waitFor(mirrored('own', 'gone.txt', 'deleted'), 15_000);
    await mir.waitFor(mirrored('own', 'late.txt', 'added'), 15_000);
    assert.not.ok(existsSync(join(root, 'gone.txt')));
    assert.is(readFileSync(join(root, 'late.txt'), 'utf8'), 'late\n');

    // The file edited on the mirror: the local edit is kept aside on return, and the owner's version comes back.
    const conflict = (await mir.waitFor(mirrored('own', 'edit.txt', 'conflict'), 15_000)) as Of<'mirror'>;
    assert.match(conflict.kept ?? '', /^edit\.conflict-\d{8}-\d{6}\.txt$/);
    assert.is(readFileSync(join(root, conflict.kept!), 'utf8'), 'edited on the mirror\n');
    await mir.waitFor(mirrored('own', 'edit.txt', 'changed'), 5000);
    assert.is(readFileSync(join(root, 'edit.txt'), 'utf8'), 'owner v1\n');
    // The owner then changes it: its new version replaces the copy, with no further conflict.
    const from = mir.events.length;
    await after(
      mir,
      () => writeFileSync(join(shared, 'edit.txt'), 'owner v2\n'),
      mirrored('own', 'edit.txt', 'changed'),
    );
    assert.is(readFileSync(join(root, 'edit.txt'), 'utf8'), 'owner v2\n');
    assert.not.ok(mir.events.slice(from).some((e) => e.event === 'mirror' && e.action === 'conflict'));
  } finally {
    await mesh.close();
  }
});

test('a tree with subfolders is mirrored by path; a new file in a new folder arrives within 2 s of its last write', async () => {
  const mesh = new Mesh();
  try {
    const deep = randomBytes(300_000);
    mesh.seed('own', { 'top.txt': 'top\n', 'docs/a.txt': 'a\n', 'docs/2024/deep.bin': deep });
    await mesh.startServer();
    await (await mesh.startPeer('own')).waitHashed();
    const mir = await mesh.startPeer('mir', ['--mirror']);
    await mir.waitFor(inSync('own', 3), 15_000);
    const root = join(mesh.dirOf('mir'), 'Mirror', 'own');
    assert.is(readFileSync(join(root, 'docs', 'a.txt'), 'utf8'), 'a\n');
    assert.is(sha256File(join(root, 'docs', '2024', 'deep.bin')), sha256(deep));

    // A file in a folder that did not exist: noticed by the owner's watcher, published once settled (1 s), pushed.
    const shared = join(mesh.dirOf('own'), 'shared');
    const written = Date.now();
    const added = await after(
      mir,
      () => (
        mkdirSync(join(shared, 'new', 'sub'), { recursive: true }),
        writeFileSync(join(shared, 'new', 'sub', 'n.txt'), 'n\n')
      ),
      mirrored('own', 'new/sub/n.txt', 'added'),
    );
    const ms = added.t - written;
    assert.ok(ms < 2000 + SLACK_MS, `the change took ${ms} ms to reach the mirror`);
    assert.is(readFileSync(join(root, 'new', 'sub', 'n.txt'), 'utf8'), 'n\n');

    // A whole folder removed on the owner: each of its files is deleted on the mirror.
    const from = mir.events.length;
    rmSync(join(shared, 'docs'), { recursive: true });
    await mir.waitFor(mirrored('own', 'docs/a.txt', 'deleted'), 15_000, from);
    await mir.waitFor(mirrored('own', 'docs/2024/deep.bin', 'deleted'), 15_000, from);
    assert.not.ok(existsSync(join(root, 'docs', 'a.txt')));
    assert.not.ok(existsSync(join(root, 'docs', '2024', 'deep.bin')));
  } finally {
    await mesh.close();
  }
});

test('two owners are mirrored at once, each in its own folder', async () => {
  const mesh = new Mesh();
  try {
    const one = randomBytes(100_000);
    const two = randomBytes(200_000);
    mesh.seed('ann', { 'same.bin': one });
    mesh.seed('bob', { 'same.bin': two });
    await mesh.startServer();
    await (await mesh.startPeer('ann')).waitHashed();
    await (await mesh.startPeer('bob')).waitHashed();
    const mir = await mesh.startPeer('mir', ['--mirror']);
    await mir.waitFor(
      (e) =>
        e.event === 'mirror-status' &&
        ['ann', 'bob'].every((n) => e.owners.some((o) => o.owner === n && o.state === 'in-sync' && o.files === 1)),
      15_000,
    );
    assert.is(sha256File(join(mesh.dirOf('mir'), 'Mirror', 'ann', 'same.bin')), sha256(one));
    assert.is(sha256File(join(mesh.dirOf('mir'), 'Mirror', 'bob', 'same.bin')), sha256(two));
    assert.equal(readdirSync(join(mesh.dirOf('mir'), 'Mirror')).sort(), ['ann', 'bob']);
  } finally {
    await mesh.close();
  }
});

test.run();
