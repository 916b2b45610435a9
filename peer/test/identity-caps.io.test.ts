/**
 * Connection caps by proved identity at a peer's port (peer/transport/peer-listener.ts, docs/SECURITY.md
 * "Limits"): one id holds at most 16 connections from however many addresses, and ids the mesh does not know hold 8
 * together, so a member cannot take every slot with keys it makes up; a known peer still gets in.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Channel } from '../../common/channel.js';
import { generateMeshKey } from '../../common/mesh-key.js';
import { keyedMesh } from '../../common/mesh-tls.js';
import { SigningKey } from '../../common/signing-key.js';
import { peerMessages, type PeerMessages } from '../../common/wire/peer-messages.js';
import { PeerListener } from '../transport/peer-listener.js';
import { Transport } from '../transport/transport.js';

const mesh = keyedMesh(generateMeshKey());

test('16 per proved id across addresses, 8 for all unknown ids together; a known id still gets in', async () => {
  const mallory = SigningKey.generate();
  const friend = SigningKey.generate();
  const known = new Set([mallory.id, friend.id]);
  const listener = new PeerListener(new Transport({ mesh }), { knownId: (id) => known.has(id), maxConnections: 200 });
  const rejected: string[] = [];
  listener.on('rejected', (_remote, reason) => rejected.push(reason));
  await listener.listen('127.0.0.1', 0);
  const open: Channel<PeerMessages>[] = [];
  /** Dials from 127.0.0.N with `key`; resolves whether the connection is still open a moment later. */
  const dial = async (key: SigningKey, n: number): Promise<boolean> => {
    const transport = new Transport({ mesh, identity: key });
    // A fresh local address per group of 10: the per-address cap (16) stays out of the way.
    const channel = await transport.dial({ host: '127.0.0.1', port: listener.port! }, peerMessages, {
      idleTimeoutMs: 10_000,
      localAddress: `127.0.0.${2 + Math.floor(n / 10)}`,
    });
    channel.on('error', () => undefined);
    open.push(channel);
    await new Promise((r) => setTimeout(r, 50));
    return channel.isOpen;
  };
  try {
    const mine: boolean[] = [];
    for (let i = 0; i < 17; i++) mine.push(await dial(mallory, i));
    assert.equal(mine.filter(Boolean).length, 16, 'the 17th connection of one id is refused');
    assert.not.ok(mine[16]);
    const fresh: boolean[] = [];
    for (let i = 0; i < 9; i++) fresh.push(await dial(SigningKey.generate(), 20 + i));
    assert.equal(fresh.filter(Boolean).length, 8, 'made-up keys share 8 slots');
    assert.ok(await dial(friend, 40), 'a known peer still gets in');
    assert.ok(rejected.some((r) => /already holds 16 connections/.test(r)));
    assert.ok(rejected.some((r) => /peers the mesh does not know already hold 8 connections/.test(r)));
    // A slot freed is a slot back.
    open[0]!.destroy();
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(await dial(mallory, 50));
  } finally {
    for (const c of open) c.destroy();
    listener.stop();
  }
});

test.run();
