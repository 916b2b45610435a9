import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SigningKey, verifySignature } from '../../common/signing-key.js';
import { MAX_TRUSTED_FILES, TRUST_SIGNING_CONTEXT, type TrustListBody } from '../../common/wire/server-messages.js';
import { NameBook } from '../name-book.js';
import { TrustBook } from '../trust-book.js';

const sha = (n: number) => n.toString(16).padStart(64, '0');

test('trusted names and their files are remembered; untrusting a name drops its files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trust-book-'));
  try {
    const book = TrustBook.inState(dir);
    book.setTrusted(['s1', 'S2', 's1']);
    assert.equal(book.trusted(), ['s1', 's2']);
    assert.ok(
      book.noteIndex('S1', [
        { name: 'b.txt', size: 1, sha256: sha(2) },
        { name: 'a.txt', size: 1, sha256: sha(1) },
      ]),
    );
    assert.not.ok(
      book.noteIndex('s1', [
        { name: 'a.txt', size: 1, sha256: sha(1) },
        { name: 'b.txt', size: 1, sha256: sha(2) },
      ]),
      'same files: no change',
    );
    assert.not.ok(book.noteIndex('s3', [{ name: 'x', size: 1, sha256: sha(3) }]), 's3 is not trusted');
    const again = TrustBook.inState(dir);
    assert.equal(again.trusted(), ['s1', 's2']);
    const key = SigningKey.generate();
    const body = JSON.parse(again.signed(new NameBook(), key).list) as TrustListBody;
    assert.equal(
      body.files.map((f) => [f.name, f.publisher]),
      [
        ['a.txt', 's1'],
        ['b.txt', 's1'],
      ],
    );
    again.setTrusted(['s2']);
    assert.equal((JSON.parse(again.signed(new NameBook(), key).list) as TrustListBody).files, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the list is signed over its context and text, and capped to what a frame holds', () => {
  const book = new TrustBook();
  book.setTrusted(['s1']);
  book.noteIndex(
    's1',
    Array.from({ length: MAX_TRUSTED_FILES + 5 }, (_, i) => ({ name: `f${i}`, size: i, sha256: sha(i) })),
  );
  const key = SigningKey.generate();
  const signed = book.signed(new NameBook(), key, 42);
  assert.ok(
    verifySignature(
      key.publicKey,
      Buffer.from(TRUST_SIGNING_CONTEXT + signed.list),
      Buffer.from(signed.signature, 'base64'),
    ),
  );
  assert.not.ok(
    verifySignature(key.publicKey, Buffer.from(signed.list), Buffer.from(signed.signature, 'base64')),
    'the context is part of what is signed',
  );
  const body = JSON.parse(signed.list) as TrustListBody;
  assert.is(body.issued, 42);
  assert.is(body.files.length, MAX_TRUSTED_FILES);
  assert.is(body.complete, false);
  assert.ok(signed.list.length < 950_000);
});

test.run();
