import { BadMessageError } from '../errors.js';
import { FRAME_HEADER_BYTES } from '../frame-decoder.js';
import { jsonMessage, type MessageCodec } from '../message-table.js';
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
/** Most requests one `mirror-gets` names. */
export const MAX_MIRROR_GETS = 256;
/** Most files one `mirror-batch` carries. */
export const MAX_BATCH_FILES = 256;
/** Most bytes of file data one `mirror-batch` carries (an owner puts a file in a batch only if it fits). */
export const MIRROR_BATCH_BYTES = 256 * 1024;

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
  /**
   * Mirror → owner: requests `n`, `n + 1`, … for these files (this content), each from its first byte: what a
   * mirror sends for files small enough to be held in memory, many at a time.
   */
  'mirror-gets': { n: number; files: { path: string; sha256: string }[] };
  /**
   * Owner → mirror, binary: the whole content of several requests of a `mirror-gets`, in request order, in one
   * frame; it stands for a `mirror-file` and its `piece` frames for each.
   */
  'mirror-batch': MirrorBatch;
}

/** One `mirror-batch`: each file's request number and its bytes (views into the frame on decode). */
export interface MirrorBatch {
  files: { n: number; data: Buffer }[];
}

const sha256Field = str({ min: 64, max: 64, pattern: /^[0-9a-f]{64}$/ });
const pathField = str({ min: 1, max: MAX_MIRROR_PATH });
const epochField = str({ max: 64, pattern: /^[A-Za-z0-9_-]*$/ });
const count = int({ min: 0, max: Number.MAX_SAFE_INTEGER });
const entryShape = obj({ path: pathField, size: count, sha256: sha256Field, mtime: count, seq: count });
const markShape = obj({ path: pathField, seq: count });

const BATCH_TYPE = 46;

/**
 * `mirror-batch` (type 46): `u16 count | count × (u32 n | u32 size) | the files' bytes, one after the other`. Decode
 * checks the count, each request number, and that the sizes add up to exactly the bytes that follow.
 */
const batchCodec: MessageCodec<MirrorBatch> = {
  type: BATCH_TYPE,
  name: 'mirror-batch',
  encode: ({ files }) => {
    const head = 2 + 8 * files.length;
    const bytes = files.reduce((sum, f) => sum + f.data.length, 0);
    const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + head + bytes);
    frame.writeUInt32BE(1 + head + bytes, 0);
    frame.writeUInt8(BATCH_TYPE, 4);
    frame.writeUInt16BE(files.length, FRAME_HEADER_BYTES);
    let at = FRAME_HEADER_BYTES + head;
    files.forEach((f, i) => {
      frame.writeUInt32BE(f.n, FRAME_HEADER_BYTES + 2 + 8 * i);
      frame.writeUInt32BE(f.data.length, FRAME_HEADER_BYTES + 6 + 8 * i);
      at += f.data.copy(frame, at);
    });
    return frame;
  },
  decode: (payload) => {
    if (payload.length < 2) throw new BadMessageError('mirror-batch: no count');
    const count = payload.readUInt16BE(0);
    const head = 2 + 8 * count;
    if (count < 1 || count > MAX_BATCH_FILES) throw new BadMessageError(`mirror-batch: ${count} files`);
    if (payload.length < head) throw new BadMessageError('mirror-batch: shorter than its list');
    const files: MirrorBatch['files'] = [];
    let at = head;
    for (let i = 0; i < count; i++) {
      const n = payload.readUInt32BE(2 + 8 * i);
      const size = payload.readUInt32BE(6 + 8 * i);
      if (n < 1) throw new BadMessageError('mirror-batch: request 0');
      if (at + size > payload.length) throw new BadMessageError('mirror-batch: sizes beyond its bytes');
      files.push({ n, data: payload.subarray(at, at + size) });
      at += size;
    }
    if (at !== payload.length) throw new BadMessageError('mirror-batch: bytes beyond its sizes');
    return { files };
  },
};

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
  'mirror-gets': jsonMessage(
    45,
    'mirror-gets',
    obj({
      n: int({ min: 1, max: MAX_REQUEST }),
      files: arr(obj({ path: pathField, sha256: sha256Field }), { max: MAX_MIRROR_GETS }),
    }),
  ),
  'mirror-batch': batchCodec,
};
