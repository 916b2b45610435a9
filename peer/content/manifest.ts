import { BadMessageError } from '../../common/errors.js';
import { DIGEST_BYTES, MAX_FILE_SIZE, pieceCount, pieceLength, pieceSizeFor } from './piece-plan.js';

/**
 * What a content is: its size, its SHA-256, how it is cut into pieces and the SHA-256 of each piece, plus the prefix
 * digests (SHA-256 of the file from its start to the end of each piece), so a piece arriving in order is checked in
 * the same hash pass that builds the whole file's (docs/PROTOCOL.md "Pieces"). One shape for the offer on the wire,
 * the partial-download record, the digest cache and the hashing thread; `encodeManifest` / `decodeManifest` are its
 * only conversions.
 */
export interface Manifest {
  readonly size: number;
  /** Lower-case hex. */
  readonly sha256: string;
  readonly pieceSize: number;
  /** Packed 32-byte SHA-256 of every piece, in order. */
  readonly pieces: Buffer;
  /** Packed 32-byte prefix digests; the last one is `sha256`. */
  readonly prefixes: Buffer;
}

/** The manifest as JSON carries it (the `offer` fields, the partial record, the digest cache): digests in base64. */
export interface ManifestJson {
  size: number;
  sha256: string;
  pieceSize: number;
  pieces: string;
  prefixes: string;
}

/** SHA-256 of no bytes: the content of an empty file, which has no piece and so no prefix digest to carry it. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const HEX_SHA256 = /^[0-9a-f]{64}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function encodeManifest(m: Manifest): ManifestJson {
  return {
    size: m.size,
    sha256: m.sha256,
    pieceSize: m.pieceSize,
    pieces: m.pieces.toString('base64'),
    prefixes: m.prefixes.toString('base64'),
  };
}

/**
 * Reads the manifest fields of `raw` (other fields are ignored) and checks that they hold together: the size is
 * within what the protocol can describe, the piece size is the one `pieceSizeFor` gives that size, there is one
 * digest of each kind per piece, and the last prefix digest is the file's SHA-256. Throws BadMessageError with one
 * sentence saying what is wrong.
 */
export function decodeManifest(raw: unknown): Manifest {
  if (typeof raw !== 'object' || raw === null) throw new BadMessageError('a content description must be an object');
  const { size, sha256, pieceSize, pieces, prefixes } = raw as Record<string, unknown>;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0 || size > MAX_FILE_SIZE)
    throw new BadMessageError(`size ${shown(size)} is not a file size from 0 to ${MAX_FILE_SIZE} bytes`);
  if (typeof sha256 !== 'string' || !HEX_SHA256.test(sha256))
    throw new BadMessageError('sha256 is not 64 lower-case hex digits');
  if (pieceSize !== pieceSizeFor(size))
    throw new BadMessageError(`piece size ${shown(pieceSize)} does not fit a file of ${size} bytes`);
  const count = pieceCount(size, pieceSize);
  const hashes = digests(pieces, 'piece hashes', count);
  const prefixDigests = digests(prefixes, 'prefix digests', count);
  const last = count > 0 ? prefixDigests.subarray((count - 1) * DIGEST_BYTES).toString('hex') : EMPTY_SHA256;
  if (last !== sha256)
    throw new BadMessageError(
      count > 0 ? 'the last prefix digest is not the file SHA-256' : 'an empty file must have the SHA-256 of no bytes',
    );
  return { size, sha256, pieceSize, pieces: hashes, prefixes: prefixDigests };
}

/** A value for an error sentence: `String` of an object throws when a field (`toString`, from JSON) shadows its method. */
function shown(value: unknown): string {
  if (typeof value !== 'object' || value === null) return String(value);
  return Array.isArray(value) ? 'a list' : 'an object';
}

function digests(value: unknown, what: string, count: number): Buffer {
  if (typeof value !== 'string' || !BASE64.test(value)) throw new BadMessageError(`${what} are not base64`);
  const packed = Buffer.from(value, 'base64');
  if (packed.toString('base64') !== value) throw new BadMessageError(`${what} are not canonical base64`);
  if (packed.length !== count * DIGEST_BYTES)
    throw new BadMessageError(`carries ${packed.length / DIGEST_BYTES} ${what} for ${count} pieces`);
  return packed;
}

/** Number of pieces. */
export function manifestPieces(m: Manifest): number {
  return pieceCount(m.size, m.pieceSize);
}

/** Length of piece `index` (the last one may be short). */
export function manifestPieceLength(m: Manifest, index: number): number {
  return pieceLength(m.size, m.pieceSize, index);
}

/** The SHA-256 of piece `index` on its own. */
export function pieceHash(m: Manifest, index: number): Buffer {
  return m.pieces.subarray(index * DIGEST_BYTES, (index + 1) * DIGEST_BYTES);
}

/** The SHA-256 of the file from its start to the end of piece `index`. */
export function prefixDigest(m: Manifest, index: number): Buffer {
  return m.prefixes.subarray(index * DIGEST_BYTES, (index + 1) * DIGEST_BYTES);
}

/** Do both describe the same content, digest for digest? */
export function sameContent(a: Manifest, b: Manifest): boolean {
  return (
    a.sha256 === b.sha256 &&
    a.size === b.size &&
    a.pieceSize === b.pieceSize &&
    a.pieces.equals(b.pieces) &&
    a.prefixes.equals(b.prefixes)
  );
}
