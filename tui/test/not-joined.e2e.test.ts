/**
 * A newcomer whose metadata server is not running (or who typed the wrong port): the dashboard still answers `help`
 * at once, and a file name typed meanwhile says that it waits for the join and why, instead of silence.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createMeshKey } from '../../common/mesh-key.js';
import { PEER_BIN } from '../../harness/mesh.js';
import { TmuxSession } from '../../harness/tmux-session.js';

const it = TmuxSession.available() ? test : test.skip;

/** A loopback port nobody listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

it('before the join, help is answered and a typed name says it waits for the unreachable server', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshshare-notjoined-'));
  const port = await deadPort();
  const keyFile = join(dir, 'mesh.key');
  createMeshKey(keyFile);
  const tmux = TmuxSession.start({
    command: [
      process.execPath,
      PEER_BIN,
      'lonely',
      '--server',
      `127.0.0.1:${port}`,
      '--dir',
      join(dir, 'lonely'),
      '--key-file',
      keyFile,
    ],
    width: 80,
    height: 24,
    env: { TERM: 'xterm-256color', LANG: 'C.UTF-8' },
  });
  try {
    await tmux.waitFor(/unreachable/, 10_000);
    tmux.type('help');
    tmux.sendKeys('Enter');
    await tmux.waitFor(/commands:[\s\S]*FILENAME/, 5_000);
    tmux.sendKeys('Escape');
    tmux.type('poem.txt');
    tmux.sendKeys('Enter');
    const screen = await tmux.waitFor(/runs once this peer has joined/, 5_000);
    assert.match(screen.replace(/\s+/g, ' '), new RegExp(`127\\.0\\.0\\.1:${port} cannot be reached`));
    tmux.type('Stop');
    tmux.sendKeys('Enter');
    assert.is(await tmux.waitForExit(10_000), 0);
  } finally {
    tmux.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
