/**
 * A refused start in a real terminal: the dashboard was showing, the mesh is full (or the mesh key is wrong), the
 * peer exits 2, and the reason is on the terminal once the screen is restored (not only in the log file). And the
 * header of an --open mesh says so.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createMeshKey } from '../../common/mesh-key.js';
import { Mesh, PEER_BIN } from '../../harness/mesh.js';
import { TmuxSession } from '../../harness/tmux-session.js';

const it = TmuxSession.available() ? test : test.skip;

it('a peer refused by a full mesh says why on the terminal after the dashboard closes, and exits 2', async () => {
  const mesh = new Mesh();
  let tmux: TmuxSession | null = null;
  try {
    await mesh.startServer(['--max-peers', '1']);
    await mesh.startPeer('s1');
    // The shell stays two seconds after the peer exits: what a person reads then is the screen being checked (this
    // tmux keeps no scrollback, and its "Pane is dead" line scrolls the screen).
    const peer = [
      process.execPath,
      PEER_BIN,
      's2',
      '--server',
      mesh.serverAddress,
      '--dir',
      mesh.dirOf('s2'),
      ...mesh.meshArgs(),
    ];
    tmux = TmuxSession.start({
      command: ['sh', '-c', '"$@"; s=$?; sleep 2; exit $s', 'sh', ...peer],
      width: 220,
      height: 30,
    });
    await tmux.waitFor(/peer: the metadata server refused this peer: .*full/i, 15_000);
    assert.is(await tmux.waitForExit(10_000), 2);
  } finally {
    tmux?.kill();
    await mesh.close();
  }
});

it('a peer with the wrong mesh key says so on the terminal after the dashboard closes, and exits 2', async () => {
  const mesh = new Mesh();
  let tmux: TmuxSession | null = null;
  try {
    await mesh.startServer();
    const wrong = join(mesh.root, 'wrong.key');
    createMeshKey(wrong);
    const peer = [process.execPath, PEER_BIN, 's2', '--server', mesh.serverAddress, '--dir', mesh.dirOf('s2')];
    tmux = TmuxSession.start({
      command: ['sh', '-c', '"$@"; s=$?; sleep 2; exit $s', 'sh', ...peer, '--key-file', wrong],
      width: 220,
      height: 30,
    });
    await tmux.waitFor(/peer: the metadata server at \S+ refused this peer's mesh key \(.*wrong\.key\)/, 15_000);
    assert.is(await tmux.waitForExit(10_000), 2);
  } finally {
    tmux?.kill();
    await mesh.close();
  }
});

it('the dashboard of an --open mesh says "open" in its header', async () => {
  const mesh = new Mesh({ open: true });
  let tmux: TmuxSession | null = null;
  try {
    await mesh.startServer();
    const peer = [process.execPath, PEER_BIN, 's1', '--server', mesh.serverAddress, '--dir', mesh.dirOf('s1')];
    tmux = TmuxSession.start({ command: [...peer, '--open'], width: 160, height: 30 });
    await tmux.waitFor(/s1 +server \S+ connected +open: no mesh key/, 15_000);
  } finally {
    tmux?.kill();
    await mesh.close();
  }
});

test.run();
