/**
 * Custody on the dashboard, as a person sees it (tmux): when a peer leaves handing its unique file to this one, the
 * log says so and the Files panel lists the copy as held for its owner, apart from this peer's own files.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Mesh, PEER_BIN } from '../../harness/mesh.js';
import { TmuxSession } from '../../harness/tmux-session.js';

const it = TmuxSession.available() ? test : test.skip;

it("the custodian's dashboard shows the files it keeps for a peer that left", async () => {
  const mesh = new Mesh();
  let tmux: TmuxSession | null = null;
  try {
    mesh.seed('s1', { 'plans.bin': randomBytes(200_000) });
    mesh.seed('s2', { 'own.txt': 'this peer’s own file\n' });
    await mesh.startServer();
    const s1 = await mesh.startPeer('s1');
    await s1.waitHashed();
    const peer = [process.execPath, PEER_BIN, 's2', '--server', mesh.serverAddress, '--dir', mesh.dirOf('s2')];
    tmux = TmuxSession.start({ command: [...peer, ...mesh.meshArgs()], width: 160, height: 40 });
    await tmux.waitFor(/s2 +server \S+ connected/, 15_000);
    await new Promise((r) => setTimeout(r, 1500)); // its room reaches the metadata server with a heartbeat
    s1.send('Stop');
    await tmux.waitFor(/keeping plans\.bin \(\d+(\.\d)? KB\) for s1, who left/, 20_000).catch((err) => {
      console.log(custodianLog(mesh));
      throw err;
    });
    const screen = await tmux.waitFor(/K plans\.bin \(for s1\)/, 5_000);
    assert.match(screen, /S own\.txt/);
    assert.is(await s1.waitExit(), 0);
  } finally {
    tmux?.kill();
    await mesh.close();
  }
});

function custodianLog(mesh: Mesh): string {
  return readFileSync(join(mesh.dirOf('s2'), '.p2p', 'peer.log'), 'utf8');
}

test.run();
