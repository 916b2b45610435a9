/** The peer's trust list (peer/trust/trust-list.ts) against lists signed by a real TrustBook (metadata-server/). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SigningKey } from '../../common/signing-key.js';
import { NameBook } from '../../metadata-server/name-book.js';
import { TrustBook } from '../../metadata-server/trust-book.js';
import { TRUST_LIST_FILE, TrustList } from '../trust/trust-list.js';

const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);

function setUp() {
  const dir = mkdtempSync(join(tmpdir(), 'trust-list-'));
  const server = SigningKey.generate();
  const names = new NameBook();
  const book = new TrustBook();
  const s1 = SigningKey.generate();
  names.admit('s1', s1.id);
  book.setTrusted(['S1', 's9']);
  book.noteIndex('s1', [{ name: 'report.pdf', size: 10, sha256: SHA_A }]);
  book.noteIndex('s2', [{ name: 'notes.txt', size: 5, sha256: SHA_B }]); // not trusted: ignored
  return { dir, server, names, book, s1, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('a list signed by the pinned server key is taken: trusted peers with their ids, their files only', () => {
  const t = setUp();
  try {
    const list = new TrustList(t.dir, () => t.server.publicKey);
    assert.is(list.accept(t.book.signed(t.names, t.server)), undefined);
    assert.equal(list.peers(), [{ name: 's1', id: t.s1.id }, { name: 's9' }]);
    assert.equal(list.files(), [{ name: 'report.pdf', size: 10, sha256: SHA_A, publisher: 's1' }]);
    assert.ok(list.contentTrusted(SHA_A));
    assert.not.ok(list.contentTrusted(SHA_B));
    assert.is(list.trustedId('S1'), t.s1.id);
    assert.ok(list.isTrustedPeer('s9'));
    assert.is(list.trustedId('s9'), undefined, 'trusted, but never joined: no id to check');
  } finally {
    t.done();
  }
});

test('another key, a changed list, a malformed one and an older one are all refused, and change nothing', () => {
  const t = setUp();
  try {
    const list = new TrustList(t.dir, () => t.server.publicKey);
    const good = t.book.signed(t.names, t.server, 2000);
    assert.is(list.accept(good), undefined);
    const forged = t.book.signed(t.names, SigningKey.generate(), 3000);
    assert.match(list.accept(forged)!, /signature is not the metadata server's/);
    const changed = { ...good, list: good.list.replace(SHA_A, SHA_B) };
    assert.match(list.accept(changed)!, /signature/);
    const junk = JSON.stringify({ version: 1, issued: 5, peers: 'all', files: [], complete: true });
    const signedJunk = {
      list: junk,
      signature: t.server.sign(Buffer.from(`meshshare/1 trust list\n${junk}`)).toString('base64'),
    };
    assert.match(list.accept(signedJunk)!, /malformed/);
    assert.match(list.accept(t.book.signed(t.names, t.server, 1000))!, /older trust list/);
    assert.ok(list.contentTrusted(SHA_A), 'the good list still stands');
    assert.not.ok(new TrustList(t.dir, () => undefined).known, 'no pinned server key: nothing is believed');
  } finally {
    t.done();
  }
});

test('the last list is kept and verified again at the next start; a tampered copy is not believed', () => {
  const t = setUp();
  try {
    new TrustList(t.dir, () => t.server.publicKey).accept(t.book.signed(t.names, t.server));
    const again = new TrustList(t.dir, () => t.server.publicKey);
    assert.ok(again.contentTrusted(SHA_A));
    const file = join(t.dir, TRUST_LIST_FILE);
    writeFileSync(file, readFileSync(file, 'utf8').replace(SHA_A, SHA_B));
    const tampered = new TrustList(t.dir, () => t.server.publicKey);
    assert.not.ok(tampered.known);
    assert.not.ok(tampered.contentTrusted(SHA_B));
  } finally {
    t.done();
  }
});

test('any text the server signs is taken only when it is a well-formed list; accept never throws', () => {
  const t = setUp();
  try {
    const list = new TrustList(t.dir, () => t.server.publicKey);
    const sign = (text: string) => ({
      list: text,
      signature: t.server.sign(Buffer.from(`meshshare/1 trust list\n${text}`)).toString('base64'),
    });
    const body = fc.record({
      version: fc.oneof(fc.constant(1), fc.integer()),
      issued: fc.oneof(fc.nat(), fc.double()),
      peers: fc.array(fc.record({ name: fc.string({ maxLength: 40 }), id: fc.string({ maxLength: 70 }) }), {
        maxLength: 3,
      }),
      files: fc.array(fc.anything({ maxDepth: 3 }), { maxLength: 3 }),
      complete: fc.oneof(fc.boolean(), fc.string()),
    });
    fc.assert(
      fc.property(
        fc.oneof(
          body.map((b) => JSON.stringify(b)),
          fc.string({ maxLength: 200 }),
        ),
        (text) => {
          const problem = list.accept(sign(text), false);
          if (problem === undefined) {
            const parsed = JSON.parse(text) as { version: unknown; files: unknown[] };
            assert.is(parsed.version, 1);
            assert.ok(list.files().length === parsed.files.length);
          } else assert.type(problem, 'string');
        },
      ),
      { numRuns: 500 },
    );
  } finally {
    t.done();
  }
});

test.run();
