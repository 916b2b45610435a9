import { createHash, randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  decodeManifest,
  encodeManifest,
  manifestPieces,
  pieceHash,
  prefixDigest,
  sameContent,
  type Manifest,
} from '../content/manifest.js';
import { MAX_FILE_SIZE, MIN_PIECE_SIZE } from '../content/piece-plan.js';

/** A manifest of `data`, computed the slow, obvious way. */
function manifestOf(data: Buffer): Manifest {
  const pieceSize = MIN_PIECE_SIZE;
  const count = Math.ceil(data.length / pieceSize);
  const pieces = Buffer.alloc(count * 32);
  const prefixes = Buffer.alloc(count * 32);
  for (let i = 0; i < count; i++) {
    createHash('sha256')
      .update(data.subarray(i * pieceSize, (i + 1) * pieceSize))
      .digest()
      .copy(pieces, i * 32);
    createHash('sha256')
      .update(data.subarray(0, (i + 1) * pieceSize))
      .digest()
      .copy(prefixes, i * 32);
  }
  return { size: data.length, sha256: createHash('sha256').update(data).digest('hex'), pieceSize, pieces, prefixes };
}

const data = randomBytes(2 * MIN_PIECE_SIZE + 17);
const good = manifestOf(data);
const json = encodeManifest(good);

const rejects = (raw: unknown, why: RegExp) =>
  assert.throws(
    () => decodeManifest(raw),
    (err: Error & { code?: string }) => err.code === 'P2P_ERR_BAD_MESSAGE' && why.test(err.message),
  );

test('a manifest survives encode then decode, digest for digest', () => {
  const back = decodeManifest(JSON.parse(JSON.stringify(json)));
  assert.ok(sameContent(back, good));
  assert.is(manifestPieces(back), 3);
  assert.ok(
    pieceHash(back, 2).equals(
      createHash('sha256')
        .update(data.subarray(2 * MIN_PIECE_SIZE))
        .digest(),
    ),
  );
  assert.is(prefixDigest(back, 2).toString('hex'), good.sha256);
});

test("fields beside the manifest (an offer's qid, a record's file name) are ignored", () => {
  assert.ok(sameContent(decodeManifest({ ...json, qid: 'x', file: 'a.bin' }), good));
});

test('an empty file has no pieces and the SHA-256 of no bytes', () => {
  const empty = manifestOf(Buffer.alloc(0));
  assert.is(manifestPieces(decodeManifest(encodeManifest(empty))), 0);
  rejects({ ...encodeManifest(empty), sha256: 'a'.repeat(64) }, /empty file/);
});

test('rejects what is not an object', () => {
  rejects(null, /object/);
  rejects('manifest', /object/);
});

test('rejects a size that is not a file size', () => {
  rejects({ ...json, size: -1 }, /size/);
  rejects({ ...json, size: 1.5 }, /size/);
  rejects({ ...json, size: '3' }, /size/);
  rejects({ ...json, size: MAX_FILE_SIZE + 1 }, /size/);
});

test('rejects with BadMessageError a size or piece size that is an object whose toString is a field (JSON can say so)', () => {
  const hostile = JSON.parse('{"toString": 0}') as unknown;
  rejects({ ...json, size: hostile }, /size an object/);
  rejects({ ...json, pieceSize: hostile }, /piece size an object/);
  rejects({ ...json, size: [hostile] }, /size a list/);
});

test('rejects a sha256 that is not 64 lower-case hex digits', () => {
  rejects({ ...json, sha256: good.sha256.toUpperCase() }, /sha256/);
  rejects({ ...json, sha256: good.sha256.slice(1) }, /sha256/);
});

test('rejects a piece size that does not fit the size', () => {
  rejects({ ...json, pieceSize: 2 * MIN_PIECE_SIZE }, /piece size/);
  rejects({ ...json, pieceSize: 0 }, /piece size/);
});

test('rejects digests that are not base64, or one too many or too few', () => {
  rejects({ ...json, pieces: 'not base64!' }, /piece hashes are not base64/);
  rejects({ ...json, prefixes: 42 }, /prefix digests are not base64/);
  rejects({ ...json, pieces: json.pieces.slice(0, -4) + 'AAA' }, /canonical/);
  rejects({ ...json, pieces: good.pieces.subarray(32).toString('base64') }, /2 piece hashes for 3 pieces/);
  rejects(
    { ...json, prefixes: Buffer.concat([good.prefixes, good.prefixes.subarray(0, 32)]).toString('base64') },
    /4 prefix digests for 3 pieces/,
  );
});

test('rejects a last prefix digest that is not the file SHA-256', () => {
  const other = Buffer.from(good.prefixes);
  other[other.length - 1]! ^= 1;
  rejects({ ...json, prefixes: other.toString('base64') }, /last prefix digest/);
  rejects({ ...json, sha256: createHash('sha256').update('other').digest('hex') }, /last prefix digest/);
});

test('sameContent tells manifests apart by any digest', () => {
  const flipped = Buffer.from(good.pieces);
  flipped[0]! ^= 1;
  assert.not.ok(sameContent(good, { ...good, pieces: flipped }));
  assert.ok(sameContent(good, { ...good, pieces: Buffer.from(good.pieces) }));
});

test.run();
