/**
 * Why the identity proof is bound to the TLS session (common/identity-proof.ts): a member in the middle who relays
 * the proof messages between two TLS sessions of its own cannot pass one end off as the other, because each session
 * exports different keying material.
 */
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IdentityProofError, proveAccepted, proveDialled } from '../identity-proof.js';
import { generateMeshKey } from '../mesh-key.js';
import { keyedMesh, secureAccepted, secureDialled } from '../mesh-tls.js';
import { SigningKey } from '../signing-key.js';

const MESH = keyedMesh(generateMeshKey());

/** A keyed TLS session over loopback: the dialling and the accepting streams. */
async function session(): Promise<{ dialler: Duplex; acceptor: Duplex; close: () => void }> {
  let accepted: Promise<Duplex> | undefined;
  const listener = createServer((socket: Socket) => (accepted = secureAccepted(socket, MESH)));
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const socket = connect((listener.address() as { port: number }).port, '127.0.0.1');
  await once(socket, 'connect');
  const dialler = await secureDialled(socket, MESH);
  while (!accepted) await new Promise((r) => setTimeout(r, 5));
  const acceptor = await accepted;
  return { dialler, acceptor, close: () => (dialler.destroy(), acceptor.destroy(), listener.close()) };
}

/** Copies every byte from one stream to another (Mallory relaying). */
const relay = (from: Duplex, to: Duplex) => from.on('data', (chunk: Buffer) => to.write(chunk));

test('a proof relayed between two TLS sessions fails: Bob never takes Mallory for Alice', async () => {
  const alice = SigningKey.generate();
  const bob = SigningKey.generate();
  const aliceToMallory = await session();
  const malloryToBob = await session();
  try {
    // Mallory accepts Alice's connection and dials Bob, and relays the proof messages both ways.
    relay(aliceToMallory.acceptor, malloryToBob.dialler);
    relay(malloryToBob.dialler, aliceToMallory.acceptor);
    const atBob = proveAccepted(malloryToBob.acceptor, bob).then(
      () => 'accepted',
      (err: unknown) => (err instanceof IdentityProofError ? err.failure : String(err)),
    );
    const atAlice = await proveDialled(aliceToMallory.dialler, alice).then(
      () => 'accepted',
      (err: unknown) => (err instanceof IdentityProofError ? err.failure : String(err)),
    );
    assert.is(atAlice, 'bad-signature', 'Alice refuses what Bob signed over another session');
    // Alice never signs, so Bob is left without a proof; once Mallory gives up, Bob reports the close.
    malloryToBob.dialler.destroy();
    assert.is(await atBob, 'closed');
  } finally {
    aliceToMallory.close();
    malloryToBob.close();
  }
});

test('the same exchange on one session succeeds (the relay test above fails only because of the binding)', async () => {
  const alice = SigningKey.generate();
  const bob = SigningKey.generate();
  const s = await session();
  try {
    const [atAlice, atBob] = await Promise.all([proveDialled(s.dialler, alice), proveAccepted(s.acceptor, bob)]);
    assert.is(atAlice.id, bob.id);
    assert.is(atBob.id, alice.id);
  } finally {
    s.close();
  }
});

test.run();
