import { createHash } from 'node:crypto';
import type { PeerMessages } from '../../common/wire/peer-messages.js';
import { pieceCount, pieceSizeFor } from '../content/piece-plan.js';

/**
 * A well-formed offer of `size` bytes of `huge.bin` under `qid`, from holder `from`, with made-up digests (the last
 * prefix digest is the file's SHA-256): what a lying or huge holder would send, for tests of the offer bounds.
 */
export function madeUpOffer(size: number, qid = 'offer-limits-1', from = 'h1'): PeerMessages['offer'] {
  const pieceSize = pieceSizeFor(size);
  const count = pieceCount(size, pieceSize);
  const sha256 = createHash('sha256').update(String(size)).digest();
  const prefixes = Buffer.alloc(count * 32);
  sha256.copy(prefixes, (count - 1) * 32);
  return {
    qid,
    file: 'huge.bin',
    size,
    sha256: sha256.toString('hex'),
    pieceSize,
    pieces: Buffer.alloc(count * 32).toString('base64'),
    prefixes: prefixes.toString('base64'),
    from: { name: from, id: `${from}-id-00000`, host: '127.0.0.1', port: 4000 },
  };
}
