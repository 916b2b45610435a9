import { formatByteSize } from '../../common/byte-size.js';
import type { Manifest } from '../content/manifest.js';
import { pieceSizeFor } from '../content/piece-plan.js';

/**
 * What a holder's offer may ask of a downloader (docs/SECURITY.md "Limits"). The piece size follows the file size
 * (piece-plan.ts), so the file-size cap is also the piece-size cap; with one piece in flight per source, a few
 * pieces waiting for the disk and a capped number of sources, no source, lying or slow, can make a download hold
 * more than a few pieces' worth of memory.
 */
export const MAX_OFFER_FILE_SIZE = 64 * 1024 ** 3;
/** The largest piece an accepted offer can have: 8 MiB. */
export const MAX_OFFER_PIECE_SIZE = pieceSizeFor(MAX_OFFER_FILE_SIZE);
/** Holders one download takes at once; further offers of the same content are declined. */
export const MAX_SOURCES_PER_DOWNLOAD = 8;
/** How long one piece frame, once begun, may take to arrive whole (an 8 MiB piece at about 140 KB/s). */
export const PIECE_FRAME_DEADLINE_MS = 60_000;

/** Why an offer (already well-formed) is beyond the bounds, or undefined. */
export function offerProblem(manifest: Manifest): string | undefined {
  if (manifest.size > MAX_OFFER_FILE_SIZE || manifest.pieceSize > MAX_OFFER_PIECE_SIZE)
    return `offered ${manifest.size} bytes in ${formatByteSize(manifest.pieceSize)} pieces: over the limit of ${formatByteSize(MAX_OFFER_FILE_SIZE)} (${formatByteSize(MAX_OFFER_PIECE_SIZE)} pieces)`;
  return undefined;
}

/** Why a download with `sources` holders (taken or waiting) takes no other, or undefined. */
export function sourceLimitProblem(sources: number): string | undefined {
  return sources >= MAX_SOURCES_PER_DOWNLOAD
    ? `already downloading from ${MAX_SOURCES_PER_DOWNLOAD} sources, the most one download takes`
    : undefined;
}
