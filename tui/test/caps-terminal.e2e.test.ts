/**
 * Bandwidth caps on the dashboard, as a person uses it (tmux): a peer started with `--max-down` shows its cap in the
 * header and next to the received rate while a download runs, and `limit` typed on its command line changes what
 * it shows (docs/CONTRACT.md "Mirror, discovery and bandwidth").
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Mesh, PEER_BIN } from '../../harness/mesh.js';
import { writeRandomFile } from '../../harness/random-file.js';
import { TmuxSession } from '../../harness/tmux-session.js';

const it = TmuxSession.available() ? test : test.skip;

it('a capped peer shows its cap next to the received rate, and limit changes it on screen', async () => {
  const mesh = new Mesh();
  let tmux: TmuxSession | null = null;
  try {
    writeRandomFile(join(mesh.seed('s2', {}), 'big.bin'), 48 * 1024 * 1024);
    await mesh.startServer();
    const s2 = await mesh.startPeer('s2');
    await s2.waitHashed();
    const peer = [process.execPath, PEER_BIN, 's1', '--server', mesh.serverAddress, '--dir', mesh.dirOf('s1')];
    const command = [...peer, ...mesh.meshArgs(), '--max-down', '4MB/s'];
    tmux = TmuxSession.start({ command, width: 160, height: 45 });
    await tmux.waitFor(/cap ↓ 4 MB\/s/, 15_000);
    tmux.type('big.bin');
    tmux.sendKeys('Enter');
    // The received panel's title: the rate in the cap's units, then the cap.
    const busy = await tmux.waitFor(/[0-9.]+ MB\/s \/ 4 MB\/s cap/, 15_000);
    // Whole 1 MiB pieces land in one-second buckets: 3, 4 or 5 of them (3.15, 4.19, 5.24 MB/s) around the cap.
    assert.match(busy, /[2-5](\.\d+)? MB\/s \/ 4 MB\/s cap/, 'the rate shown is near the cap');
    tmux.type('limit down 8MB/s');
    tmux.sendKeys('Enter');
    await tmux.waitFor(/cap ↓ 8 MB\/s/, 5000);
    await tmux.waitFor(/bandwidth caps: up none, down 8 MB\/s/, 5000);
    await tmux.waitFor(/MB\/s \/ 8 MB\/s cap/, 5000);
    tmux.type('limit off');
    tmux.sendKeys('Enter');
    const lifted = await tmux.waitFor(/bandwidth caps: up none, down none/, 5000);
    assert.not.match(lifted.split('\n')[0] ?? '', /cap ↓/, 'the header no longer shows a cap');
  } finally {
    tmux?.kill();
    await mesh.close();
  }
});

test.run();
