/**
 * A refused start in a real terminal: the dashboard was showing, the mesh is full, the peer exits 2, and the
 * reason is on the terminal once the screen is restored (not only in the log file).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Mesh, PEER_BIN } from '../../harness/mesh.js';
import { TmuxSession } from '../../harness/tmux-session.js';

const it = TmuxSession.available() ? test : test.skip;

it('a peer refused by a full mesh says why on the terminal after the dashboard closes, and exits 2', async () => {
  const mesh = new Mesh();
  let tmux: TmuxSession | null = null;
  try {
    await mesh.startServer(['--max-peers', '1']);
    await mesh.startPeer('s1');
    tmux = TmuxSession.start({
      command: [process.execPath, PEER_BIN, 's2', '--server', mesh.serverAddress, '--dir', mesh.dirOf('s2')],
      width: 100,
      height: 30,
    });
    assert.is(await tmux.waitForExit(15_000), 2);
    const screen = tmux.capture();
    assert.match(screen, /peer: the metadata server refused this peer: .*full/i);
  } finally {
    tmux?.kill();
    await mesh.close();
  }
});

test.run();
