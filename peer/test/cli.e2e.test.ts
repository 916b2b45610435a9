/** The `peer` and `metadata-server` commands' own options, as a person types them in a terminal. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Mesh, PEER_BIN } from '../../harness/mesh.js';

const SERVER_BIN = join(PEER_BIN, '..', '..', 'metadata-server', 'main.js');

function run(bin: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(
      () => (child.kill('SIGKILL'), reject(new Error(`${args.join(' ')} did not exit`))),
      10_000,
    );
    child.on('exit', (code) => (clearTimeout(timer), resolve({ code, out, err })));
  });
}

test('-h works like --help on both commands: the usage on stdout, exit 0', async () => {
  for (const bin of [PEER_BIN, SERVER_BIN]) {
    const short = await run(bin, ['-h']);
    const long = await run(bin, ['--help']);
    assert.is(short.code, 0, short.err);
    assert.match(short.out, /^usage: /i);
    assert.is(short.out, long.out);
    assert.is(short.err, '');
  }
});

test('-v prints the version', async () => {
  const v = await run(PEER_BIN, ['-v']);
  assert.is(v.code, 0);
  assert.match(v.out, /^\d+\.\d+\.\d+\n$/);
});

test('an unknown option or a missing value is one sentence on stderr and exit 2, not a parser dump', async () => {
  const unknown = await run(PEER_BIN, ['s1', '-x']);
  assert.is(unknown.code, 2);
  assert.is(unknown.err, 'peer: unknown option -x; peer --help lists the options\n');
  const missing = await run(PEER_BIN, ['s1', '--dir']);
  assert.is(missing.code, 2);
  assert.is(missing.err, 'peer: --dir needs a value; peer --help lists the options\n');
});

test('one folder, one running peer: a second process on the folder says who holds it and exits 2', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    const first = await mesh.startPeer('s1');
    const from = first.events.length;
    const second = await run(PEER_BIN, ['s1', '--server', mesh.serverAddress, '--dir', first.dir, '--headless']);
    assert.is(second.code, 2);
    assert.match(second.err, new RegExp(`in use by another running peer \\(process ${first.child.pid}\\)`));
    assert.is(second.err.trim().split('\n').length, 1, second.err);
    // The first never noticed: it was not knocked off the metadata server.
    await new Promise((r) => setTimeout(r, 300));
    assert.not.ok(first.events.slice(from).some((e) => e.event === 'server' && e.state !== 'connected'));
    // Killed, it leaves a stale lock, which the next start takes over.
    first.kill('SIGKILL');
    await first.waitExit();
    const again = await mesh.startPeer('s1');
    assert.is(again.exitCode, undefined);
  } finally {
    await mesh.close();
  }
});

test.run();
