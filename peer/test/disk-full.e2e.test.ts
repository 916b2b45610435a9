/**
 * A full disk: a download into a peer whose folder sits on a tiny tmpfs runs out of space; it stops with a
 * clear error, keeps its verified pieces, and the peer keeps running. Needs root (mount); skipped with a note
 * otherwise.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Mesh } from '../../harness/mesh.js';

function canMount(): boolean {
  return process.getuid?.() === 0;
}

test('running out of disk space stops the download with a clear error and keeps the peer running', async () => {
  if (!canMount()) {
    console.log('  (not root: the disk-full test needs to mount a small tmpfs; not run)');
    return;
  }
  const mesh = new Mesh();
  const dir = mesh.dirOf('small');
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=12m', 'tmpfs', dir]);
  try {
    await mesh.startServer();
    mesh.seed('holder', { 'huge.bin': randomBytes(24 * 1024 * 1024) });
    const holder = await mesh.startPeer('holder');
    await holder.waitHashed();
    const small = await mesh.startPeer('small');
    const failed = await small.ask(
      'huge.bin',
      (e) => e.event === 'download-failed' || e.event === 'download-complete',
      30_000,
    );
    assert.is(failed.event, 'download-failed');
    if (failed.event !== 'download-failed') return;
    assert.match(failed.reason, /the disk is full: free some space and ask for the file again to resume/);
    assert.ok((failed.kept ?? 0) > 0, `verified pieces are kept (${failed.kept})`);
    assert.not.ok(existsSync(join(dir, 'Downloads', 'huge.bin')));
    assert.ok(
      readdirSync(join(dir, '.p2p', 'partial')).some((f) => f.endsWith('.have')),
      'the resume record stays',
    );
    // The peer is still alive and serving.
    const topo = await small.ask('TOPO', 'topology');
    assert.ok(topo.event === 'topology' && topo.peers.length === 2);
    assert.is(small.exitCode, undefined);
  } finally {
    for (const p of mesh.peers.values()) p.kill('SIGKILL');
    try {
      execFileSync('umount', ['-l', dir]); // lazy: detaches even while the killed peer's files are still open
    } catch {
      // already unmounted
    }
    await mesh.close();
  }
});

test.run();
