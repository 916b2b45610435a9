/**
 * The install README.md "Install the commands" shows: `npm install -g .` puts `peer` and `metadata-server` on the
 * PATH. Installed into a private prefix, both commands run by name from another folder, with a PATH that holds only
 * that prefix and node (no npx, no node_modules/.bin), and start quickly: `--version` answers and a headless peer
 * is ready in the mesh. The figures themselves are measured by bench/startup.ts.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PeerProcess } from '../../harness/mesh.js';

/** The repository: this file runs as dist/peer/test/install.e2e.test.js. */
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
/** Generous bounds for a loaded 2-core CI machine; bench/startup.ts reports the real figures (well under 0.5 s). */
const VERSION_MS = 1_500;
const READY_MS = 2_500;

const work = mkdtempSync(join(tmpdir(), 'meshshare-install-'));
const prefix = join(work, 'prefix');
const elsewhere = join(work, 'elsewhere');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** A PATH with only the installed commands and the node that runs them. */
function env(): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${join(prefix, 'bin')}:${dirname(process.execPath)}` };
}

/** The mode bits of the two commands as `npm run build` left them (before any install touches them). */
const builtModes = ['peer', 'metadata-server'].map((dir) => statSync(join(REPO, 'dist', dir, 'main.js')).mode);

test.before(() => {
  // --ignore-scripts: the clone is already built (npm install ran `prepare`); a rebuild would empty dist/ under the
  // running tests. The install is a link to the clone, so it needs no registry.
  execFileSync(npm, ['install', '--global', '--prefix', prefix, '--ignore-scripts', '--no-audit', '--no-fund', REPO], {
    stdio: 'pipe',
    timeout: 120_000,
  });
  mkdirSync(elsewhere, { recursive: true });
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test('the build leaves both commands executable: the linked install keeps working after a rebuild', () => {
  // npm sets the bits when it installs, but a rebuild (npm test, npm run build) writes the files afresh: the
  // installed links and npx then failed with "Permission denied" until the build set them itself.
  for (const mode of builtModes) assert.ok((mode & 0o111) === 0o111, `mode ${(mode & 0o777).toString(8)}`);
});

test('both commands are on the PATH and answer --version by name, from another folder', () => {
  for (const command of ['peer', 'metadata-server']) {
    const started = Date.now();
    const out = execFileSync(command, ['--version'], { cwd: elsewhere, env: env(), encoding: 'utf8' });
    const ms = Date.now() - started;
    assert.is(out.trim(), VERSION, `${command} --version`);
    assert.ok(ms < VERSION_MS, `${command} --version took ${ms} ms`);
  }
  const where = execFileSync('sh', ['-c', 'command -v peer'], { env: env(), encoding: 'utf8' }).trim();
  assert.is(where, join(prefix, 'bin', 'peer'));
});

test('an installed metadata server and peer start by name and the peer joins quickly', async () => {
  const server = spawn('metadata-server', ['--port', '0'], {
    cwd: elsewhere,
    env: env(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const address = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the installed metadata server did not listen')), 10_000);
      createInterface({ input: server.stdout }).on('line', (line) => {
        const m = /^metadata server listening on (\S+:\d+) /.exec(line);
        if (m) resolve((clearTimeout(timer), m[1]!));
      });
      server.once('exit', (code) => reject(new Error(`the installed metadata server exited ${code}`)));
    });
    const started = Date.now();
    const child = spawn('peer', ['i1', '--server', address, '--headless', '--dir', join(work, 'i1')], {
      cwd: elsewhere,
      env: env(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const peer = new PeerProcess('i1', join(work, 'i1'), child);
    try {
      const ready = await peer.waitFor('ready', 10_000);
      const ms = Date.now() - started;
      assert.is(ready.event === 'ready' && ready.name, 'i1');
      assert.ok(ms < READY_MS, `the installed peer was ready after ${ms} ms`);
      peer.send('Stop');
      assert.is(await peer.waitExit(), 0);
    } finally {
      peer.kill();
    }
  } finally {
    server.kill('SIGKILL');
  }
});

test.run();
