/**
 * A real mirror peer's dashboard, as a person uses it (tmux, 120x40): real owners on loopback, one with a tree of
 * subfolders; the Mirror panel shows each owner in sync, a file written on an owner appears in the log by its path,
 * the `mirror` view lists every owner, and an owner that stops shows as offline (docs/CONTRACT.md "Mirror,
 * discovery and bandwidth"). tui/test/mirror-terminal.e2e.test.ts checks the same screens in detail with a scripted peer.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Mesh, PEER_BIN } from '../../harness/mesh.js';
import { TmuxSession } from '../../harness/tmux-session.js';

const it = TmuxSession.available() ? test : test.skip;

it('a real mirror peer shows its owners in sync, a new file by its path, the mirror view, an owner gone offline', async () => {
  const mesh = new Mesh();
  let tmux: TmuxSession | null = null;
  try {
    mesh.seed('s2', { 'docs/report.txt': 'report\n', 'docs/2026/plan.txt': 'plan\n', 'top.txt': 'top\n' });
    mesh.seed('s3', { 'photo.bin': Buffer.alloc(70_000, 7) });
    await mesh.startServer();
    const s2 = await mesh.startPeer('s2');
    const s3 = await mesh.startPeer('s3');
    await s2.waitHashed();
    await s3.waitHashed();
    const peer = [process.execPath, PEER_BIN, 's1', '--server', mesh.serverAddress, '--dir', mesh.dirOf('s1')];
    tmux = TmuxSession.start({ command: [...peer, ...mesh.meshArgs(), '--mirror'], width: 120, height: 40 });
    let screen = await tmux.waitFor(/─ Mirror ─/, 15_000);
    assert.match(screen.split('\n')[0] ?? '', /mirror/, 'the header marks a mirror peer');
    screen = await tmux.waitFor(/s2 ✓ in sync 3 files[\s\S]*s3 ✓ in sync 1 file/, 15_000);
    const root = join(mesh.dirOf('s1'), 'Mirror');
    assert.is(readFileSync(join(root, 's2', 'docs', '2026', 'plan.txt'), 'utf8'), 'plan\n');

    const shared = join(mesh.dirOf('s2'), 'shared');
    mkdirSync(join(shared, 'notes'));
    writeFileSync(join(shared, 'notes', 'new.txt'), 'new\n');
    await tmux.waitFor(/\+ s2\/notes\/new\.txt/, 10_000);
    await tmux.waitFor(/s2 ✓ in sync 4 files/, 5_000);
    assert.is(readFileSync(join(root, 's2', 'notes', 'new.txt'), 'utf8'), 'new\n');

    tmux.type('mirror');
    tmux.sendKeys('Enter');
    screen = await tmux.waitFor(/mirror: 2 owners · 2 in sync/, 5_000);
    assert.match(screen, /│s2 +✓ in sync +0 +4 /);
    assert.match(screen, /│s3 +✓ in sync +0 +1 /);
    tmux.sendKeys('Escape');

    s3.send('Stop');
    await s3.waitExit();
    await tmux.waitFor(/s3 offline/, 15_000);
  } finally {
    tmux?.kill();
    await mesh.close();
  }
});

test.run();
