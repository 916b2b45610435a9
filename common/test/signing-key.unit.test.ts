import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { idOfPublicKey, SigningKey, SigningKeyError, verifySignature } from '../signing-key.js';

test('an id is derived from the public key: 22 characters of the wire pattern, the same every time', () => {
  const key = SigningKey.generate();
  assert.match(key.id, /^[A-Za-z0-9_-]{22}$/);
  assert.is(idOfPublicKey(key.publicKey), key.id);
  assert.is.not(SigningKey.generate().id, key.id);
  assert.throws(() => idOfPublicKey(Buffer.alloc(31)), /32 bytes/);
});

test('signatures verify with the public key only, and malformed input is false, never a throw', () => {
  const key = SigningKey.generate();
  const data = Buffer.from('transcript');
  const sig = key.sign(data);
  assert.ok(verifySignature(key.publicKey, data, sig));
  assert.not.ok(verifySignature(key.publicKey, Buffer.from('other'), sig));
  assert.not.ok(verifySignature(SigningKey.generate().publicKey, data, sig));
  assert.not.ok(verifySignature(key.publicKey, data, sig.subarray(1)));
  assert.not.ok(verifySignature(Buffer.alloc(32, 0xff), data, sig), 'not a curve point');
  assert.not.ok(verifySignature(Buffer.alloc(5), data, sig));
});

test('a key file is made owner-only on first use and read back the same; a file that is not a key is kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'signing-key-'));
  try {
    const path = join(dir, 'state', 'identity.key');
    const first = SigningKey.loadOrCreate(path);
    assert.ok(first.created);
    assert.is(statSync(path).mode & 0o777, 0o600);
    const again = SigningKey.loadOrCreate(path);
    assert.not.ok(again.created);
    assert.is(again.key.id, first.key.id);
    writeFileSync(path, 'not a key\n');
    assert.throws(
      () => SigningKey.loadOrCreate(path),
      (err: Error) => err instanceof SigningKeyError,
    );
    assert.is(readFileSync(path, 'utf8'), 'not a key\n', "never replaced: it may be someone's identity");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
