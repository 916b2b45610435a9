/**
 * Proved identities between real processes (docs/SECURITY.md "Identities"): a name stays with the key that first
 * held it, a member cannot take over a live peer's name or neighbour link, and a peer refuses a metadata server that
 * proves another key than the one it first joined.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Channel } from '../../common/channel.js';
import { SigningKey } from '../../common/signing-key.js';
import { peerMessages, type PeerMessages } from '../../common/wire/peer-messages.js';
import { Mesh } from '../../harness/mesh.js';
import { FakePeer } from './fake-peer.js';
import { madeUpOffer } from './made-up-offer.js';
import { Transport } from '../transport/transport.js';

const idOf = async (mesh: Mesh, name: string) => {
  const ready = await mesh.peer(name).waitFor('ready');
  return ready.event === 'ready' ? ready.id : '';
};

/** Opens a connection to `port` proving `key`, says hello as `name` with `id`; resolves whether it got a hello back. */
async function helloAs(mesh: Mesh, port: number, key: SigningKey, name: string, id: string): Promise<boolean> {
  const transport = new Transport({ mesh: mesh.mode, identity: key });
  const channel: Channel<PeerMessages> = await transport.dial({ host: '127.0.0.1', port }, peerMessages, {
    idleTimeoutMs: 10_000,
  });
  channel.on('error', () => undefined);
  const answered = await new Promise<boolean>((resolve) => {
    channel.once('message', (m) => resolve(m.kind === 'hello'));
    channel.once('close', () => resolve(false));
    channel.send('hello', { name, id, host: '127.0.0.1', port: 9, neighbours: [] });
  });
  channel.destroy();
  return answered;
}

test("a member cannot take over a live peer's name, id or neighbour link", async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    const s1 = await mesh.startPeer('s1');
    await mesh.startPeer('s2');
    await s1.waitFor((e) => e.event === 'neighbour-up' && e.name === 's2');
    const s2id = await idOf(mesh, 's2');
    const from = s1.events.length;
    const mallory = SigningKey.generate();
    // s2's name and id, over a connection that proves mallory's key; then s2's name with mallory's own id.
    assert.not.ok(await helloAs(mesh, s1.port, mallory, 's2', s2id), 'hello with a stolen id is refused');
    assert.not.ok(await helloAs(mesh, s1.port, mallory, 's2', mallory.id), 'hello as a live name is refused');
    // s2's link is untouched: no neighbour-down, and TOPO still shows s1 and s2 linked.
    await new Promise((r) => setTimeout(r, 300));
    assert.not.ok(s1.events.slice(from).some((e) => e.event === 'neighbour-down'));
    const topo = await s1.ask('TOPO', 'topology');
    if (topo.event !== 'topology') throw new Error('no topology');
    assert.equal(
      topo.peers.map((p) => [p.name, p.id, p.neighbours]),
      [
        ['s1', await idOf(mesh, 's1'), ['s2']],
        ['s2', s2id, ['s1']],
      ],
    );
    assert.match(s1.stderr + JSON.stringify(s1.events), /proved id|lists s2 with id|linked with id/);
  } finally {
    await mesh.close();
  }
});

test('an offer that names another peer than its own is declined, and `FILE from PEER` takes nothing from it', async () => {
  const mesh = new Mesh();
  const mallory = new FakePeer('mallory', mesh.mode);
  try {
    await mesh.startServer();
    const s1 = await mesh.startPeer('s1');
    await mesh.startPeer('s2');
    await mallory.listen();
    await mallory.linkTo(s1.port);
    s1.send('huge.bin from s2'); // nobody holds it: s1 floods, and mallory answers as s2
    const query = await mallory.waitFor((m) => m.kind === 'query', 5000);
    if (query.kind !== 'query') throw new Error('no query');
    const posing = { ...madeUpOffer(4096, query.body.qid), from: { ...mallory.ref(), name: 's2' } };
    const { answer } = await mallory.offer(s1.port, posing);
    assert.is(answer.kind, 'decline');
    if (answer.kind === 'decline') assert.match(answer.body.reason, /says it is from s2, whose id it is not/);
    const end = await s1.waitFor((e) => e.event === 'download-failed' || e.event === 'not-found', 10_000);
    assert.ok(end.event === 'download-failed' || end.event === 'not-found');
    assert.not.ok(s1.events.some((e) => e.event === 'download-started'));
  } finally {
    mallory.close();
    await mesh.close();
  }
});

test('a name stays with its key: another folder is refused (exit 2), the owner comes back with its id', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    await mesh.startPeer('s1');
    const s2 = await mesh.startPeer('s2');
    const id = await idOf(mesh, 's2');
    s2.send('Stop');
    assert.is(await s2.waitExit(), 0);
    // The same name from another folder: another key, so another id.
    const other = await mesh.startPeer('S2', [], false);
    assert.is(await other.waitExit(), 2);
    assert.match(other.stderr, /the name "s2" belongs to another peer .*metadata-server forget s2/);
    const back = await mesh.startPeer('s2');
    assert.is(await idOf(mesh, 's2'), id, 'the owner, from its folder, gets its name and id back');
    assert.is(back.exitCode, undefined);
  } finally {
    await mesh.close();
  }
});

test('a peer refuses a metadata server that proves another key than the one it first joined', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    const p1 = await mesh.startPeer('p1');
    p1.send('Stop');
    assert.is(await p1.waitExit(), 0);
    // Another metadata server (its own state, so its own key) that has the mesh key, as any member could run.
    mesh.server!.kill('SIGKILL');
    await mesh.startServer(['--state', join(mesh.root, 'impostor-state')]);
    const again = await mesh.startPeer('p1', [], false);
    assert.is(await again.waitExit(), 2);
    assert.match(again.stderr, /proved another identity .* than the one this peer first joined/);
    assert.match(again.stderr, /server-key/);
  } finally {
    await mesh.close();
  }
});

test.run();
