/** The identity proof over in-memory stream pairs (common/identity-proof.ts). */
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Channel } from '../channel.js';
import {
  ACCEPTOR_PROOF_BYTES,
  DIALLER_HELLO_BYTES,
  IdentityProofError,
  proveAccepted,
  proveDialled,
} from '../identity-proof.js';
import { SigningKey } from '../signing-key.js';
import { serverMessages } from '../wire/server-messages.js';
import { duplexPair } from './duplex-pair.js';

const MAGIC = Buffer.from('MSID1', 'latin1');

async function failure(p: Promise<unknown>): Promise<IdentityProofError> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, IdentityProofError);
    return err as IdentityProofError;
  }
  throw new Error('the proof was accepted');
}

/** Reads `n` bytes from a raw stream end (a hand-made far end). */
function take(stream: Duplex, n: number): Promise<Buffer> {
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    const onData = (c: Buffer) => {
      got = Buffer.concat([got, c]);
      if (got.length >= n) {
        stream.off('data', onData);
        resolve(got.subarray(0, n));
      }
    };
    stream.on('data', onData);
  });
}

test('both ends learn the id the other proved, and the first frame behind the proof reaches the channel whole', async () => {
  const [a, b] = duplexPair();
  const alice = SigningKey.generate();
  const bob = SigningKey.generate();
  const [atA, atB] = await Promise.all([proveDialled(a, alice), proveAccepted(b, bob)]);
  assert.is(atA.id, bob.id);
  assert.is(atB.id, alice.id);
  assert.ok(atB.publicKey.equals(alice.publicKey));
  // The dialler speaks first right behind its proof: the next reader gets every byte.
  const channel = new Channel(b, serverMessages, { identity: atB });
  const got = new Promise((resolve) => channel.once('message', resolve));
  a.write(serverMessages.encode('leave', { reason: 'right behind the proof' }));
  assert.equal(await got, { kind: 'leave', body: { reason: 'right behind the proof' } });
  assert.is(channel.identity?.id, alice.id);
  channel.destroy();
});

test("after the proof a plain 'data' listener, attached later, gets every byte (the stream is not left paused)", async () => {
  const [a, b] = duplexPair();
  await Promise.all([proveDialled(a, SigningKey.generate()), proveAccepted(b, SigningKey.generate())]);
  b.write(Buffer.from('first bytes behind the proof'));
  await new Promise((r) => setTimeout(r, 20)); // they arrive before anyone listens
  const got = await new Promise<string>((resolve) => {
    setTimeout(() => resolve('nothing within 1 s'), 1000);
    a.once('data', (c: Buffer) => resolve(c.toString()));
  });
  assert.is(got, 'first bytes behind the proof');
});

test('naming a public key without its private key fails at the other end', async () => {
  const victim = SigningKey.generate();
  const bob = SigningKey.generate();
  // A dialler that names the victim's key, and signs with its own.
  const [a, b] = duplexPair();
  const accepted = proveAccepted(b, bob);
  a.write(Buffer.concat([MAGIC, victim.publicKey, randomBytes(32)]));
  await take(a, ACCEPTOR_PROOF_BYTES);
  a.write(Buffer.concat([MAGIC, SigningKey.generate().sign(Buffer.from('anything'))]));
  assert.is((await failure(accepted)).failure, 'bad-signature');
  // An acceptor that names the victim's key: the dialler refuses it.
  const [c, d] = duplexPair();
  const dialled = proveDialled(c, bob);
  await take(d, DIALLER_HELLO_BYTES);
  d.write(Buffer.concat([MAGIC, victim.publicKey, randomBytes(32), randomBytes(64)]));
  assert.is((await failure(dialled)).failure, 'bad-signature');
});

test('something else than the proof is refused at once, with what was received; a close is reported', async () => {
  const [a, b] = duplexPair();
  const accepted = proveAccepted(b, SigningKey.generate());
  const frame = serverMessages.encode('refused', { code: 'P2P_ERR_MESH_KEY', reason: 'plain' });
  a.write(frame);
  const err = await failure(accepted);
  assert.is(err.failure, 'not-proof');
  assert.ok(err.received?.equals(frame));
  const [c, d] = duplexPair();
  const dialled = proveDialled(c, SigningKey.generate());
  d.end();
  assert.is((await failure(dialled)).failure, 'closed');
});

test('random bytes from a far end never pass the proof and never throw outside its promise', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.boolean(), async (bytes, magic) => {
      const [a, b] = duplexPair();
      const accepted = proveAccepted(b, SigningKey.generate());
      a.write(magic ? Buffer.concat([MAGIC, bytes]) : Buffer.from(bytes));
      a.end();
      const err = await failure(accepted);
      assert.ok(['not-proof', 'bad-signature', 'closed'].includes(err.failure));
      a.destroy();
    }),
    { numRuns: 300 },
  );
});

test.run();
