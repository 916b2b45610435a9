/**
 * Files outlive their peer (docs/PROTOCOL.md "Custody"), between real processes: on `Stop` a peer hands the files
 * no other member holds to a custodian the metadata server names; they are served from there while it is away;
 * back from its folder, it gets what it lacks and the custodian drops its copies. `Stop now` hands nothing off.
 */
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PeerEvent } from '../control/peer-events.js';
import { Mesh, sha256, sha256File } from '../../harness/mesh.js';

type Of<K extends PeerEvent['event']> = Extract<PeerEvent, { event: K }>;
const ends = (e: PeerEvent) =>
  e.event === 'download-complete' || e.event === 'download-failed' || e.event === 'not-found';

test('Stop hands unique files to a custodian, which serves them; the owner back gets them and the copies go', async () => {
  const mesh = new Mesh();
  try {
    const plans = randomBytes(3 * 1024 * 1024 + 5);
    mesh.seed('s1', { 'plans.bin': plans, 'common.txt': 'everyone has this\n' });
    mesh.seed('s2', { 'common.txt': 'everyone has this\n' });
    await mesh.startServer();
    const s1 = await mesh.startPeer('s1');
    const s2 = await mesh.startPeer('s2');
    const s3 = await mesh.startPeer('s3');
    await s1.waitHashed();
    await s2.waitHashed();
    await new Promise((r) => setTimeout(r, 1500)); // indexes and room reported (heartbeats)
    s1.send('Stop');
    const started = (await s1.waitFor('handoff-started', 15_000)) as Of<'handoff-started'>;
    assert.equal(started.files, ['plans.bin'], 'common.txt is held by s2 too: not handed off');
    const done = (await s1.waitFor((e) => e.event === 'handoff-complete' || e.event === 'handoff-failed', 30_000)) as
      Of<'handoff-complete'> | Of<'handoff-failed'>;
    assert.is(done.event, 'handoff-complete', JSON.stringify(done));
    assert.is(await s1.waitExit(), 0);
    const custodian = mesh.peer(started.to);
    const other = started.to === 's2' ? s3 : s2;
    const received = (await custodian.waitFor('custody-received', 5000)) as Of<'custody-received'>;
    assert.equal([received.owner, received.files, received.bytes], ['s1', ['plans.bin'], plans.length]);
    const listed = (await custodian.waitFor(
      (e) => e.event === 'files' && (e.custody ?? []).length > 0,
      5000,
    )) as Of<'files'>;
    assert.equal(listed.custody, [{ owner: 's1', file: 'plans.bin', bytes: plans.length, sha256: sha256(plans) }]);
    assert.not.ok(
      listed.shared.some((f) => f.name === 'plans.bin'),
      'kept apart from its own shares',
    );

    // While s1 is away, the file is still in the mesh: the index lists it at the custodian within moments.
    for (const until = Date.now() + 10_000; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
      const list = (await other.ask('list', 'list')) as Of<'list'>;
      if (list.files.some((f) => f.name === 'plans.bin')) break;
    }
    const got = (await other.ask('plans.bin', ends, 20_000)) as Of<'download-complete'>;
    assert.is(got.event, 'download-complete', JSON.stringify(got));
    assert.is(got.from, started.to);
    assert.is(sha256File(join(mesh.dirOf(other.name), got.path)), sha256(plans));

    // s1 comes back from its folder, having lost the file: it gets it back, and the custodian drops its copy.
    rmSync(join(mesh.dirOf('s1'), 'shared', 'plans.bin'));
    const back = await mesh.startPeer('s1');
    const returned = (await back.waitFor('files-returned', 20_000)) as Of<'files-returned'>;
    assert.equal([returned.from, returned.files], [started.to, ['plans.bin']]);
    assert.is(sha256File(join(mesh.dirOf('s1'), 'shared', 'plans.bin')), sha256(plans));
    const dropped = (await custodian.waitFor('custody-returned', 10_000)) as Of<'custody-returned'>;
    assert.equal([dropped.owner, dropped.files], ['s1', ['plans.bin']]);
    assert.not.ok(custodianHolds(mesh, started.to), 'the custody copy is gone');
  } finally {
    await mesh.close();
  }
});

test('a file in a subfolder is handed off, served by its path and bare name, and comes back to its folder', async () => {
  const mesh = new Mesh();
  try {
    const plans = randomBytes(1024 * 1024 + 3);
    mesh.seed('s1', { 'projects/2024/plans.bin': plans });
    await mesh.startServer();
    const s1 = await mesh.startPeer('s1');
    const s2 = await mesh.startPeer('s2');
    const s3 = await mesh.startPeer('s3');
    await s1.waitHashed();
    await new Promise((r) => setTimeout(r, 1500)); // indexes and room reported (heartbeats)
    s1.send('Stop');
    const started = (await s1.waitFor('handoff-started', 15_000)) as Of<'handoff-started'>;
    assert.equal(started.files, ['projects/2024/plans.bin']);
    const done = await s1.waitFor((e) => e.event === 'handoff-complete' || e.event === 'handoff-failed', 30_000);
    assert.is(done.event, 'handoff-complete', JSON.stringify(done));
    assert.is(await s1.waitExit(), 0);
    const other = started.to === 's2' ? s3 : s2;
    for (const until = Date.now() + 10_000; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
      const list = (await other.ask('list', 'list')) as Of<'list'>;
      if (list.files.some((f) => f.name === 'projects/2024/plans.bin')) break;
    }
    const got = (await other.ask('plans.bin', ends, 20_000)) as Of<'download-complete'>;
    assert.is(got.event, 'download-complete', JSON.stringify(got));
    assert.is(got.path, 'Downloads/projects/2024/plans.bin');
    assert.is(sha256File(join(mesh.dirOf(other.name), got.path)), sha256(plans));

    rmSync(join(mesh.dirOf('s1'), 'shared', 'projects'), { recursive: true });
    const back = await mesh.startPeer('s1');
    const returned = (await back.waitFor('files-returned', 20_000)) as Of<'files-returned'>;
    assert.equal(returned.files, ['projects/2024/plans.bin']);
    assert.is(sha256File(join(mesh.dirOf('s1'), 'shared', 'projects', '2024', 'plans.bin')), sha256(plans));
  } finally {
    await mesh.close();
  }
});

/** Whether the custodian's custody folder still holds any file. */
function custodianHolds(mesh: Mesh, name: string): boolean {
  const root = join(mesh.dirOf(name), '.p2p', 'custody');
  try {
    return readdirSync(root).length > 0;
  } catch {
    return false;
  }
}

test('a custodian killed mid-handoff: the owner keeps its copy and hands off to another', async () => {
  const mesh = new Mesh();
  try {
    const big = randomBytes(300 * 1024 * 1024);
    mesh.seed('s1', { 'big.bin': big });
    await mesh.startServer();
    const s1 = await mesh.startPeer('s1');
    await mesh.startPeer('s2');
    await mesh.startPeer('s3');
    await s1.waitHashed(60_000);
    await new Promise((r) => setTimeout(r, 1500));
    s1.send('Stop');
    const first = (await s1.waitFor('handoff-started', 15_000)) as Of<'handoff-started'>;
    await s1.waitFor((e) => e.event === 'upload-started' && e.to === first.to, 15_000);
    mesh.peer(first.to).kill('SIGKILL'); // mid-transfer
    const failed = (await s1.waitFor('handoff-failed', 30_000)) as Of<'handoff-failed'>;
    assert.match(failed.reason, /asking for another custodian/);
    assert.is(sha256File(join(mesh.dirOf('s1'), 'shared', 'big.bin')), sha256(big), "the owner's copy is untouched");
    const second = (await s1.waitFor(
      (e) => e.event === 'handoff-started' && e.to !== first.to,
      30_000,
    )) as Of<'handoff-started'>;
    const done = (await s1.waitFor((e) => e.event === 'handoff-complete', 60_000)) as Of<'handoff-complete'>;
    assert.equal([done.to, done.files], [second.to, ['big.bin']]);
    assert.is(await s1.waitExit(20_000), 0);
  } finally {
    await mesh.close();
  }
});

test('Stop now leaves at once, handing nothing off; with no other member the files leave, saying so', async () => {
  const mesh = new Mesh();
  try {
    mesh.seed('s1', { 'alone.bin': randomBytes(10_000) });
    mesh.seed('s4', { 'mine.bin': randomBytes(10_000) });
    await mesh.startServer();
    const s1 = await mesh.startPeer('s1');
    await s1.waitHashed();
    await new Promise((r) => setTimeout(r, 1200));
    s1.send('Stop');
    const failed = (await s1.waitFor('handoff-failed', 10_000)) as Of<'handoff-failed'>;
    assert.equal(failed.files, ['alone.bin']);
    assert.match(failed.reason, /no other member is live; these files leave with this peer/);
    assert.is(await s1.waitExit(), 0);
    const s4 = await mesh.startPeer('s4');
    await mesh.startPeer('s5');
    await s4.waitHashed();
    await new Promise((r) => setTimeout(r, 1200));
    s4.send('Stop now');
    assert.is(await s4.waitExit(), 0);
    assert.not.ok(
      s4.events.some((e) => e.event.startsWith('handoff')),
      'Stop now hands nothing off',
    );
  } finally {
    await mesh.close();
  }
});

test('a custodian without room is not chosen: the owner says which files leave with it', async () => {
  if (process.getuid?.() !== 0) {
    console.log('  (not root: this test mounts a small tmpfs; not run)');
    return;
  }
  const mesh = new Mesh();
  const dir = mesh.dirOf('small');
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dir]);
  try {
    mesh.seed('s1', { 'big.bin': randomBytes(1024 * 1024) });
    await mesh.startServer();
    const s1 = await mesh.startPeer('s1');
    await mesh.startPeer('small'); // 8 MB free: less than the 64 MiB a custodian keeps free
    await s1.waitHashed();
    await new Promise((r) => setTimeout(r, 1500)); // heartbeats carry the room
    s1.send('Stop');
    const failed = (await s1.waitFor('handoff-failed', 10_000)) as Of<'handoff-failed'>;
    assert.equal(failed.files, ['big.bin']);
    assert.match(failed.reason, /no member has room for 1048576 bytes; these files leave with this peer/);
    assert.is(await s1.waitExit(), 0);
    assert.not.ok(custodianHolds(mesh, 'small'));
  } finally {
    for (const p of mesh.peers.values()) p.kill('SIGKILL');
    try {
      execFileSync('umount', ['-l', dir]);
    } catch {
      // already unmounted
    }
    await mesh.close();
  }
});

test.run();
