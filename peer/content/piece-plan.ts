import { MAX_PIECES, MAX_PIECE_SIZE } from '../../common/wire/peer-messages.js';

/**
 * How a file is cut into pieces. Pieces are 1 MiB (large reads and writes are what make streaming fast) and grow
 * in powers of two for very large files so that one file never has more than MAX_PIECES digests.
 */
export const MIN_PIECE_SIZE = 1024 * 1024;
/** Bytes of one SHA-256 digest in the packed digest list. */
export const DIGEST_BYTES = 32;

export function pieceSizeFor(size: number): number {
  let pieceSize = MIN_PIECE_SIZE;
  while (Math.ceil(size / pieceSize) > MAX_PIECES && pieceSize < MAX_PIECE_SIZE) pieceSize *= 2;
  return pieceSize;
}

export function pieceCount(size: number, pieceSize: number): number {
  return Math.ceil(size / pieceSize);
}

/** Length of piece `index` (the last one may be short). */
export function pieceLength(size: number, pieceSize: number, index: number): number {
  return Math.min(pieceSize, size - index * pieceSize);
}

/** Largest file the protocol can describe: MAX_PIECES pieces of MAX_PIECE_SIZE (512 GiB). */
export const MAX_FILE_SIZE = MAX_PIECES * MAX_PIECE_SIZE;
