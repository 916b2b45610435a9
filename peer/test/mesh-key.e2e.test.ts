/**
 * The mesh key at a peer (docs/CONTRACT.md "The trusted mesh"): its listening port gives a stranger nothing and
 * refuses a wrong key; a wrong, missing or mismatched key stops the peer with one sentence and exit 2; a server
 * and peers started from one folder form a keyed mesh with no flags; `--open` everywhere works as before.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createMeshKey, generateMeshKey } from '../../common/mesh-key.js';
import { keyedMesh } from '../../common/mesh-tls.js';
import { peerMessages } from '../../common/wire/peer-messages.js';
import { Mesh, PEER_BIN, PeerProcess } from '../../harness/mesh.js';
import { randomPeerPorts, startServer } from '../../harness/server-process.js';
import type { PeerEvent } from '../control/peer-events.js';
import { FakePeer } from './fake-peer.js';
import { plainExchange } from '../../harness/plain-exchange.js';

type Ready = Extract<PeerEvent, { event: 'ready' }>;

function readyOf(p: PeerProcess): Ready {
  return p.events.find((e) => e.event === 'ready') as Ready;
}

/** A headless peer started in `cwd` with exactly `args` (no key flags added), env extended with `env`. */
function spawnPeer(name: string, cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): PeerProcess {
  const dir = join(cwd, name);
  const child = spawn(process.execPath, [PEER_BIN, name, '--dir', dir, '--headless', ...args], {
    cwd,
    env: { ...process.env, MESHSHARE_KEY_FILE: '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return new PeerProcess(name, dir, child);
}

test("a peer's port: no key gets nothing, a wrong key fails the handshake, the right key links", async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    mesh.seed('s2', { 'salary-list.txt': 'confidential\n' });
    const s1 = await mesh.startPeer('s1');
    const s2 = await mesh.startPeer('s2');
    await s2.waitHashed();
    const { port, id } = readyOf(s2);
    const secrets = ['s1', 's2', id, readyOf(s1).id, 'salary', String(readyOf(s1).port)];
    const me = { name: 'stranger', id: 'stranger-id-0001', host: '127.0.0.1', port: 1 };
    const attempts: [string, Buffer][] = [
      ['a plain hello', peerMessages.encode('hello', { ...me, neighbours: [] })],
      [
        'a plain fetch',
        peerMessages.encode('fetch', { qid: 'q-000000001', file: 'salary-list.txt', sha256: '', from: me }),
      ],
      ['a plain topo-query', peerMessages.encode('topo-query', { qid: 'q-000000002', hops: 5, origin: me })],
      ['a plain stop-all', peerMessages.encode('stop-all', { qid: 'q-000000003', by: 'stranger' })],
      ['garbage', Buffer.from('GET / HTTP/1.1\r\n\r\n')],
    ];
    for (const [what, bytes] of attempts) {
      const { received, closed } = await plainExchange(port, bytes);
      assert.ok(closed, `${what}: closed`);
      assert.is(received.length, 0, `${what}: got ${JSON.stringify(received.toString('latin1'))}`);
      for (const s of secrets) assert.not.ok(received.toString('latin1').includes(s));
    }
    // A member of another mesh.
    const outsider = new FakePeer('outsider', keyedMesh(generateMeshKey()));
    const refused = await outsider.linkTo(port).then(
      () => 'linked',
      (err: Error) => err.message,
    );
    assert.match(refused, /does not have this mesh key/);
    outsider.close();
    // A member of this mesh.
    const member = new FakePeer('member', mesh.mode);
    await member.linkTo(port);
    member.close();
    // Nothing happened to the mesh: s2 still runs, still linked to s1 only (and the member), nothing was sent.
    assert.is(s2.exitCode, undefined);
    assert.ok(s2.neighbours().includes('s1'));
    assert.not.ok(s2.events.some((e) => e.event === 'upload-started' || e.event === 'stopped'));
    await s2.waitFor((e) => e.event === 'log' && /closed a connection from .*without the mesh key/.test(e.message));
    await s2.waitFor(
      (e) => e.event === 'log' && /closed a connection from .*does not have this mesh key/.test(e.message),
    );
    assert.is(readyOf(s2).keyed, true);
  } finally {
    await mesh.close();
  }
});

test('a wrong key file, a missing one, and open/keyed mixed: one sentence on stderr each, exit 2', async () => {
  const mesh = new Mesh();
  const open = new Mesh({ open: true });
  try {
    await mesh.startServer();
    await open.startServer();
    const wrong = join(mesh.root, 'wrong.key');
    createMeshKey(wrong);
    const cases: [PeerProcess, RegExp][] = [
      [
        spawnPeer('w1', mesh.root, ['--server', mesh.serverAddress, '--key-file', wrong]),
        /^w1: the metadata server at 127\.0\.0\.1:\d+ refused this peer's mesh key \(.*wrong\.key\): copy the server's mesh\.key here, or pass --key-file\n$/,
      ],
      [
        spawnPeer('m1', mesh.root, ['--server', mesh.serverAddress]),
        /^peer: no mesh key at \.meshshare\/mesh\.key \(the default\): start the metadata server from this folder .*--open\n$/,
      ],
      [
        spawnPeer('m2', mesh.root, ['--server', mesh.serverAddress], { MESHSHARE_KEY_FILE: 'nowhere/k.key' }),
        /^peer: no mesh key at nowhere\/k\.key \(named by MESHSHARE_KEY_FILE\)/,
      ],
      [
        spawnPeer('k1', mesh.root, ['--server', open.serverAddress, '--key-file', mesh.keyFile!]),
        /^k1: the metadata server at 127\.0\.0\.1:\d+ runs an open mesh \(--open\) but this peer has a mesh key/,
      ],
      [
        spawnPeer('o1', mesh.root, ['--server', mesh.serverAddress, '--open']),
        /^o1: the metadata server at \S+ runs a keyed mesh and this peer runs --open/,
      ],
    ];
    for (const [peer, sentence] of cases) {
      assert.is(await peer.waitExit(15_000), 2, `${peer.name}: ${peer.stderr}`);
      assert.match(peer.stderr, sentence);
      assert.is(peer.stderr.trim().split('\n').length, 1, peer.stderr);
    }
  } finally {
    await mesh.close();
    await open.close();
  }
});

test('a server and peers started from one folder with no flags form a keyed mesh', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'p2p-folder-'));
  const peers: PeerProcess[] = [];
  // The server's own default key: .meshshare/mesh.key in cwd.
  const server = await startServer([
    '--peer-ports',
    randomPeerPorts(),
    '--key-file',
    join(cwd, '.meshshare', 'mesh.key'),
  ]);
  try {
    const address = `${server.host}:${server.port}`;
    for (const name of ['f1', 'f2']) {
      const p = spawnPeer(name, cwd, ['--server', address]);
      peers.push(p);
      await p.waitFor('ready', 15_000);
    }
    assert.is(readyOf(peers[0]!).keyed, true);
    assert.is(readyOf(peers[1]!).keyed, true);
    assert.equal(readyOf(peers[1]!).neighbours, ['f1']);
  } finally {
    for (const p of peers) p.kill();
    await server.stop();
    rmSync(cwd, { recursive: true, force: true });
  }
});

test('--open on every process works as before: the peers say keyed: false, and a file goes across', async () => {
  const mesh = new Mesh({ open: true });
  try {
    await mesh.startServer();
    mesh.seed('o2', { 'open.txt': 'plain as day\n' });
    const o1 = await mesh.startPeer('o1');
    const o2 = await mesh.startPeer('o2');
    await o2.waitHashed();
    assert.is(readyOf(o1).keyed, false);
    assert.match(mesh.serverOutput, /OPEN: no mesh key/);
    const done = await o1.ask('open.txt', (e) => e.event === 'download-complete' || e.event === 'not-found');
    assert.is(done.event, 'download-complete');
  } finally {
    await mesh.close();
  }
});

test.run();
