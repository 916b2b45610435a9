import { jsonMessage } from '../message-table.js';
import { arr, bool, int, obj, str } from '../schema.js';
import { idField, peerRefShape, type PeerRef } from './shapes.js';

/**
 * The mirror exchange (docs/PROTOCOL.md "Mirror"), spoken on one connection a mirror peer opens to each owner: the
 * mirror asks for the changes of the owner's `shared/` tree since the version it holds, the owner answers in bounded
 * batches and pushes a note when its tree changes, and the mirror fetches files by pipelining requests; each file's
 * bytes follow its `mirror-file` header as `piece` frames whose `index` is the request number. The schema bounds
 * types and counts; what a path or a version means is checked by the mirror (peer/mirror/change-check.ts).
 */

/** Most entries (files plus deletion marks) one `mirror-changes` batch carries. */
export const MAX_MIRROR_BATCH = 1000;
/** Longest relative path on the wire, in characters (a path's own checks bound its bytes). */
export const MAX_MIRROR_PATH = 1024;
/** Largest request number (a piece frame's u32 index carries it): a mirror counts its requests from 1. */
const MAX_REQUEST = 0xffff_ffff;

/** One file of an owner's tree as published: its path under `shared/`, content, time, and the version it changed at. */
export interface MirrorEntry {
  path: string;
  size: number;
  sha256: string;
  /** Modification time, ms since the epoch. */
  mtime: number;
  seq: number;
}

/** A deletion mark: the path was removed at version `seq`. */
export interface MirrorMark {
  path: string;
  seq: number;
}

export interface MirrorMessages {
  /** Mirror → owner, first message of the connection and again after each `mirror-changed`: what changed since? */
  'mirror-since': { epoch: string; seq: number; from: PeerRef };
  /**
   * Owner → mirror: one batch of the answer. `full`: the whole tree (the mirror's version is from another epoch or
   * older than the oldest deletion mark kept), so what is not in it goes. `more`: further batches follow.
   */
  'mirror-changes': {
    epoch: string;
    seq: number;
    full: boolean;
    files: MirrorEntry[];
    deleted: MirrorMark[];
    more: boolean;
  };
  /** Owner → mirror: my tree changed, it is now at `seq` (ask again). */
  'mirror-changed': { epoch: string; seq: number };
  /** Mirror → owner: send this file (this content), from byte `offset` (a resumed partial file). */
  'mirror-get': { n: number; path: string; sha256: string; offset: number };
  /** Owner → mirror, in request order: `size` bytes of request `n` follow as pieces, or why not (`ok` false). */
  'mirror-file': { n: number; ok: boolean; size: number; reason: string };
}

const sha256Field = str({ min: 64, max: 64, pattern: /^[0-9a-f]{64}$/ });
const pathField = str({ min: 1, max: MAX_MIRROR_PATH });
const epochField = str({ max: 64, pattern: /^[A-Za-z0-9_-]*$/ });
const count = int({ min: 0, max: Number.MAX_SAFE_INTEGER });
const entryShape = obj({ path: pathField, size: count, sha256: sha256Field, mtime: count, seq: count });
const markShape = obj({ path: pathField, seq: count });

export const mirrorCodecs = {
  'mirror-since': jsonMessage(40, 'mirror-since', obj({ epoch: epochField, seq: count, from: peerRefShape })),
  'mirror-changes': jsonMessage(
    41,
    'mirror-changes',
    obj({
      epoch: idField,
      seq: count,
      full: bool(),
      files: arr(entryShape, { max: MAX_MIRROR_BATCH }),
      deleted: arr(markShape, { max: MAX_MIRROR_BATCH }),
      more: bool(),
    }),
  ),
  'mirror-changed': jsonMessage(42, 'mirror-changed', obj({ epoch: idField, seq: count })),
  'mirror-get': jsonMessage(
    43,
    'mirror-get',
    obj({ n: int({ min: 1, max: MAX_REQUEST }), path: pathField, sha256: sha256Field, offset: count }),
  ),
  'mirror-file': jsonMessage(
    44,
    'mirror-file',
    obj({ n: int({ min: 1, max: MAX_REQUEST }), ok: bool(), size: count, reason: str({ max: 200 }) }),
  ),
};
