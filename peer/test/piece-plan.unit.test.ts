import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_MAX_FRAME_BYTES } from '../../common/frame-decoder.js';
import { MAX_PIECES, MAX_PIECE_SIZE, peerMessages } from '../../common/wire/peer-messages.js';
import { MAX_FILE_SIZE, MIN_PIECE_SIZE, pieceCount, pieceLength, pieceSizeFor } from '../content/piece-plan.js';

const GiB = 1024 ** 3;

test('pieces are 1 MiB until a file would need more than MAX_PIECES of them', () => {
  assert.is(pieceSizeFor(0), MIN_PIECE_SIZE);
  assert.is(pieceSizeFor(8 * GiB), MIN_PIECE_SIZE);
  assert.is(pieceSizeFor(8 * GiB + 1), 2 * MIN_PIECE_SIZE);
  assert.is(pieceSizeFor(MAX_FILE_SIZE), MAX_PIECE_SIZE);
  for (const size of [1, 5 * GiB + 3, 100 * GiB, MAX_FILE_SIZE])
    assert.ok(pieceCount(size, pieceSizeFor(size)) <= MAX_PIECES, `${size}`);
});

test('the last piece is short and lengths add up to the size', () => {
  const size = 3 * MIN_PIECE_SIZE + 5;
  const ps = pieceSizeFor(size);
  const lengths = Array.from({ length: pieceCount(size, ps) }, (_, i) => pieceLength(size, ps, i));
  assert.equal(lengths, [MIN_PIECE_SIZE, MIN_PIECE_SIZE, MIN_PIECE_SIZE, 5]);
});

test('the offer of the largest possible file fits in one control frame', () => {
  const digests = randomBytes(MAX_PIECES * 32).toString('base64');
  const frame = peerMessages.encode('offer', {
    qid: 'q'.repeat(21),
    file: 'x'.repeat(255),
    size: MAX_FILE_SIZE,
    sha256: 'a'.repeat(64),
    pieceSize: MAX_PIECE_SIZE,
    pieces: digests,
    prefixes: digests,
    from: { name: 'n'.repeat(32), id: 'i'.repeat(64), host: 'h'.repeat(255), port: 65535 },
  });
  assert.ok(frame.length <= DEFAULT_MAX_FRAME_BYTES, `${frame.length} bytes`);
});

test.run();
