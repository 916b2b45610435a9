/**
 * Trust on the dashboard, as a person uses it (tmux): a `--trusted-only` peer says so in its header, `trusted`
 * shows the signed list, and a file off the list fails with "not trusted" (docs/SECURITY.md "Trusted peers and
 * files").
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Mesh, PEER_BIN } from '../../harness/mesh.js';
import { TmuxSession } from '../../harness/tmux-session.js';

const it = TmuxSession.available() ? test : test.skip;

it('a --trusted-only dashboard shows the trust list and refuses untrusted content', async () => {
  const mesh = new Mesh();
  let tmux: TmuxSession | null = null;
  try {
    mesh.seed('s2', { 'handbook.pdf': 'the trusted handbook\n' });
    mesh.seed('s3', { 'rumours.txt': 'nobody vouches for this\n' });
    await mesh.startServer(['--trust', 's2']);
    await mesh.startPeer('s2');
    await mesh.startPeer('s3');
    const peer = [process.execPath, PEER_BIN, 's1', '--server', mesh.serverAddress, '--dir', mesh.dirOf('s1')];
    tmux = TmuxSession.start({ command: [...peer, ...mesh.meshArgs(), '--trusted-only'], width: 160, height: 40 });
    await tmux.waitFor(/s1 +server \S+ connected +trusted only/, 15_000);
    await tmux.waitFor(/trusted peers: s2; 1 trusted file/, 10_000);
    tmux.type('trusted');
    tmux.sendKeys('Enter');
    await tmux.waitFor(/trusted: peers s2; 1 trusted file/);
    const screen = await tmux.waitFor(/handbook\.pdf +\d+ B +s2 +[0-9a-f]{12}…/);
    assert.match(screen, /handbook\.pdf/);
    tmux.type('rumours.txt');
    tmux.sendKeys('Enter');
    await tmux.waitFor(/download of rumours\.txt failed: not trusted/, 15_000);
    tmux.type('handbook.pdf');
    tmux.sendKeys('Enter');
    await tmux.waitFor(/handbook\.pdf.*verified|✓ verified/, 15_000);
  } finally {
    tmux?.kill();
    await mesh.close();
  }
});

test.run();
