/**
 * The keys a bridge derives from the mesh key and the hello proofs (bridge/bridge-keys.ts): the topic and hello key
 * differ from each other and from the mesh key, and a proof verifies only with the same key, the far end's role,
 * the same session hash and the sender's public key.
 */
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bridgeKeys, helloProof, helloProofValid } from '../bridge-keys.js';

const meshKey = randomBytes(32);
const keys = bridgeKeys(meshKey);
const hash = randomBytes(64);
const pub = randomBytes(32);

test('the topic and the hello key are 32 bytes, distinct, stable, and change with the mesh key', () => {
  assert.is(keys.topic.length, 32);
  assert.is(keys.helloKey.length, 32);
  assert.not.ok(keys.topic.equals(keys.helloKey));
  assert.not.ok(keys.topic.equals(meshKey));
  assert.ok(bridgeKeys(Buffer.from(meshKey)).topic.equals(keys.topic));
  assert.not.ok(bridgeKeys(randomBytes(32)).topic.equals(keys.topic));
});

test('a hello proof verifies for its own key, role, session and sender only', () => {
  const proof = helloProof(keys.helloKey, 'initiator', hash, pub);
  assert.ok(helloProofValid(keys.helloKey, 'initiator', hash, pub, proof));
  assert.not.ok(helloProofValid(bridgeKeys(randomBytes(32)).helloKey, 'initiator', hash, pub, proof), 'other key');
  assert.not.ok(helloProofValid(keys.helloKey, 'responder', hash, pub, proof), 'reflected as the other role');
  assert.not.ok(helloProofValid(keys.helloKey, 'initiator', randomBytes(64), pub, proof), 'replayed on a session');
  assert.not.ok(helloProofValid(keys.helloKey, 'initiator', hash, randomBytes(32), proof), 'relayed for a key');
  assert.not.ok(helloProofValid(keys.helloKey, 'initiator', hash, pub, proof.subarray(0, 31)), 'short');
});

test.run();
