/**
 * Closing the terminal of a peer's dashboard: the peer leaves gracefully (SIGHUP, like Stop) and then exits 0.
 * Node 20 used to abort at exit trying to restore the vanished terminal, and the peer died of SIGSEGV after its
 * leave (common/vanished-terminal.ts). The peer runs under harness/exit-recorder.ts, which outlives the terminal to
 * write down how the peer ended.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PEER_BIN } from '../../harness/mesh.js';
import { startServer } from '../../harness/server-process.js';
import { TmuxSession } from '../../harness/tmux-session.js';

const RECORDER = fileURLToPath(new URL('../../harness/exit-recorder.js', import.meta.url));
const it = TmuxSession.available() ? test : test.skip;
if (!TmuxSession.available()) console.warn('tmux is not installed: skipping the hangup test');

async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it('a dashboard whose terminal is closed leaves gracefully and exits 0, three times out of three', async () => {
  const server = await startServer([]);
  const root = mkdtempSync(join(tmpdir(), 'meshshare-hangup-'));
  try {
    for (let round = 1; round <= 3; round++) {
      const name = `hup${round}`;
      const dir = join(root, name);
      const status = join(root, `${name}.status`);
      const tmux = TmuxSession.start({
        command: [
          process.execPath,
          RECORDER,
          status,
          process.execPath,
          PEER_BIN,
          name,
          '--server',
          `${server.host}:${server.port}`,
          '--dir',
          dir,
          '--key-file',
          server.keyFile!,
        ],
        width: 100,
        height: 30,
        env: { TERM: 'xterm-256color', LANG: 'C.UTF-8' },
      });
      try {
        await tmux.waitUntil(
          (screen) => screen.includes(`${name}>`) && !screen.includes('joining'),
          15_000,
          `${name} to join`,
        );
        tmux.kill(); // the terminal closes: SIGHUP
        await until(() => existsSync(status), 15_000, `${name} to end`);
        const ended = JSON.parse(readFileSync(status, 'utf8')) as { code: number | null; signal: string | null };
        const log = readFileSync(join(dir, '.p2p', 'peer.log'), 'utf8');
        assert.match(log, /stopped: the terminal was closed \(SIGHUP\)/, log.slice(-400));
        assert.equal(ended, { code: 0, signal: null }, `${name} ended with ${JSON.stringify(ended)}`);
      } finally {
        tmux.kill();
      }
    }
  } finally {
    await server.stop('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
