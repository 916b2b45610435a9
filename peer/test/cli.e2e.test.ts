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
    const second = await run(PEER_BIN, [
      's1',
      '--server',
      mesh.serverAddress,
      '--dir',
      first.dir,
      '--headless',
      ...mesh.meshArgs(),
    ]);
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

test('a script pipes commands into a starting peer: they wait for it to join, and --exit-when-done leaves after them', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    mesh.seed('holder', { 'notes.txt': 'meeting notes\n' });
    const holder = await mesh.startPeer('holder');
    await holder.waitHashed();
    // As `printf 'notes\nTOPO\n' | peer s9 --headless --exit-when-done`: the lines are there before the peer joined.
    const s9 = await mesh.startPeer('s9', ['--exit-when-done'], false);
    s9.send('notes');
    s9.send('TOPO');
    s9.child.stdin!.end();
    assert.is(await s9.waitExit(20_000), 0, s9.stderr);
    const kinds = s9.events.map((e) => e.event);
    const ready = kinds.indexOf('ready');
    // Its outcome: not the note that it waits for the join, nor the steps on the way.
    const steps = new Set(['query-sent', 'download-started', 'log']);
    const done = s9.events.find((e) => e.cmd === 1 && !steps.has(e.event));
    const topo = s9.events.find((e) => e.cmd === 2 && e.event === 'topology');
    // Before the join, a line gets only the note that it waits; nothing of it runs.
    assert.ok(ready >= 0);
    assert.is(
      kinds.findIndex((k, i) => i < ready && s9.events[i]!.cmd !== undefined && k !== 'log'),
      -1,
      JSON.stringify(s9.events.slice(0, ready)),
    );
    assert.is(done?.event, 'download-complete', JSON.stringify(done));
    assert.ok(topo?.event === 'topology' && topo.peers.length === 2, JSON.stringify(topo));
    assert.is(kinds[kinds.length - 1], 'stopped');
    // No line asked to leave: the leave carries no `cmd` (there is no line 3) and says why.
    for (const e of s9.events.filter((e) => e.event === 'leaving' || e.event === 'stopped')) {
      assert.is(e.cmd, undefined, JSON.stringify(e));
      assert.match((e as { reason: string }).reason, /--exit-when-done/);
    }
  } finally {
    await mesh.close();
  }
});

test('without --exit-when-done, end of stdin keeps the peer serving', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    const s1 = await mesh.startPeer('s1');
    s1.send('TOPO');
    s1.child.stdin!.end();
    await s1.waitFor('topology');
    await new Promise((r) => setTimeout(r, 500));
    assert.is(s1.exitCode, undefined);
  } finally {
    await mesh.close();
  }
});

test.run();
