import { MessageTable, jsonMessage, type MessageCodec } from '../message-table.js';
import { BadMessageError } from '../errors.js';
import { FRAME_HEADER_BYTES } from '../frame-decoder.js';
import { arr, bool, int, literal, obj, optional, str } from '../schema.js';
import {
  MAX_PEERS_ON_WIRE,
  hostField,
  idField,
  nameField,
  peerInfoShape,
  peerRefShape,
  portField,
  type PeerInfo,
  type PeerRef,
} from './shapes.js';
import { mirrorCodecs, type MirrorMessages } from './mirror-messages.js';

/**
 * The peer protocol, spoken on neighbour links and on the short-lived transfer connections a holder dials into a
 * requester. docs/PROTOCOL.md describes the exchanges. Control messages are JSON; file pieces are binary.
 */
export const MAX_HOPS = 32;
/**
 * A file name on the wire: its path relative to the holder's shared folder (`docs/report.pdf`), in characters; both
 * ends check it further (peer/files/relative-path.ts: no `..`, no absolute path, at most 1024 bytes).
 */
export const MAX_FILE_NAME = 1024;
/** Largest piece a transfer may agree on (its frame limit is this plus the piece header). */
export const MAX_PIECE_SIZE = 64 * 1024 * 1024;
/** Most pieces one file may have; the piece size grows with the file to stay under it (so an offer, with two digests a piece, fits one 1 MiB frame). */
export const MAX_PIECES = 8192;
/** Most pieces one `want`, `cancel` or `have` names. */
export const MAX_WANT = 256;
/** Most peers one `peers` message names (a download has at most 8 sources: peer/transfer/offer-limits.ts). */
export const MAX_EXCHANGE = 8;

export interface PieceMessage {
  index: number;
  /** The piece's bytes: on decode, a view into the received frame (no copy). */
  data: Buffer;
  /** Set on decode: `data`'s memory belongs to this frame alone (it may be transferred to a thread). */
  owned?: boolean;
}

/** Mirror messages (mirror-messages.ts) share the table: a mirror connection opens on the peer's own port. */
export interface PeerMessages extends MirrorMessages {
  /** Opens a neighbour link (the dialer sends it first, the acceptor answers with its own). */
  hello: { name: string; id: string; host: string; port: number; neighbours: string[] };
  ping: { n: number };
  pong: { n: number };
  /**
   * A flooded search. `hops` is what is left of the hop limit; `origin` is where holders dial. `trace` marks a
   * traced search (`trace FILE`, docs/PROTOCOL.md "Query trace"): `us` is the sender's estimate of the microseconds
   * since the origin sent it. A peer that does not know the field drops it and treats the query as a plain search.
   */
  query: { qid: string; file: string; hops: number; origin: PeerRef; trace?: { us: number } };
  /** A flooded request for every peer's neighbour set; answers travel back along the reverse path. */
  'topo-query': { qid: string; hops: number; origin: PeerRef };
  'topo-reply': { qid: string; peer: PeerInfo };
  /** One peer's step of a traced search, signed by that peer, routed back to the origin along the reverse path. */
  'trace-step': TraceStepMessage;
  /** Flooded: every peer leaves (docs/CONTRACT.md "Peer commands"). */
  'stop-all': { qid: string; by: string };
  /** The sender is leaving the mesh. */
  bye: { reason: string };
  /**
   * Transfer: the holder describes the file. First frame of a connection the holder dials back after a query, or
   * the answer to `fetch` on a connection the requester opened.
   */
  offer: {
    qid: string;
    file: string;
    size: number;
    sha256: string;
    pieceSize: number;
    /** Base64 of the packed 32-byte SHA-256 of every piece, in order (docs/PROTOCOL.md#pieces). */
    pieces: string;
    /** Base64 of the packed prefix digests: SHA-256 of the file from its start to the end of each piece. */
    prefixes: string;
    from: PeerRef;
    /**
     * Base64 of the bitfield of the pieces the sender holds verified (docs/PROTOCOL.md "Swarming"), from a peer still
     * downloading the file; absent from a holder of the whole file.
     */
    have?: string;
  };
  /** Transfer: requester → holder on a connection it opened: offer me this file (this content, when sha256 is set). */
  fetch: { qid: string; file: string; sha256: string; from: PeerRef };
  /** Transfer: requester → holder: send these pieces (in this order). */
  want: { qid: string; pieces: number[] };
  /** Transfer: requester → holder: these are no longer needed (another source delivered them). */
  cancel: { qid: string; pieces: number[] };
  decline: { qid: string; reason: string };
  /** Transfer: a source still downloading → requester: it has verified these pieces too (empty: still here). */
  have: { qid: string; pieces: number[] };
  /** Transfer: source → requester: other peers fetching the same content now (each to be checked before a dial). */
  peers: { qid: string; peers: PeerRef[] };
  /** Transfer: requester → holder, the outcome, before it closes. */
  result: { qid: string; ok: boolean; reason: string };
  piece: PieceMessage;
  /**
   * Custody (docs/PROTOCOL.md "Custody"): owner → custodian, first message of a connection the leaving owner opens:
   * take these files of mine (fetch them from me, verified) and keep them for me.
   */
  'custody-offer': { owner: PeerRef; files: CustodyFile[] };
  /** Custodian → owner on that connection, once every file was fetched or given up. */
  'custody-result': { files: { sha256: string; ok: boolean; reason: string }[] };
  /** Custodian → returning owner, first message of a connection: I hold these files of yours; take them back. */
  'custody-return': { custodian: PeerRef; files: CustodyFile[] };
  /** Owner → custodian on that connection: these are back with me (or I had them): drop your copies. */
  'custody-released': { files: string[] };
}

/** What a peer did with a traced query (docs/PROTOCOL.md "Query trace"). */
export type TraceAction = 'forwarded' | 'duplicate' | 'answered' | 'expired';
export const TRACE_ACTIONS: readonly TraceAction[] = ['forwarded', 'duplicate', 'answered', 'expired'];
/** Longest a traced query's elapsed-time estimate may say, in microseconds (10 minutes). */
export const MAX_TRACE_US = 600_000_000;

export interface TraceStepMessage {
  qid: string;
  /** The reporting peer and the neighbour it got this copy from. */
  peer: string;
  from: string;
  /** The query's `hops` as this copy arrived (what was left of the hop limit). */
  hops: number;
  action: TraceAction;
  /** Estimated microseconds from the origin's send to this copy's arrival. */
  us: number;
  /** How many neighbours it passed the query on to. */
  to: number;
  /** The reporter's Ed25519 public key (base64, 32 bytes) and its signature of the step (base64, 64 bytes). */
  key: string;
  sig: string;
}

/** A file in custody: what the owner's index said of it. */
export interface CustodyFile {
  name: string;
  size: number;
  sha256: string;
}

/** Most files one custody message names (a peer indexes at most 2000). */
export const MAX_CUSTODY_FILES = 2000;

const qidField = str({ min: 8, max: 64, pattern: /^[A-Za-z0-9_-]+$/ });
const sha256Field = str({ min: 64, max: 64, pattern: /^[0-9a-f]{64}$/ });
const pieceIndex = int({ min: 0, max: MAX_PIECES - 1 });
const packedDigests = str({ max: Math.ceil((MAX_PIECES * 32) / 3) * 4, pattern: /^[A-Za-z0-9+/]*={0,2}$/ });
const fileField = str({ min: 1, max: MAX_FILE_NAME });
const hopsField = int({ min: 0, max: MAX_HOPS });
const names = arr(nameField, { max: MAX_PEERS_ON_WIRE });
const custodyFiles = arr(
  obj({ name: fileField, size: int({ min: 0, max: Number.MAX_SAFE_INTEGER }), sha256: sha256Field }),
  { max: 2000 },
);

const PIECE_TYPE = 20;
/** Bytes of a piece frame before its data: u32 length, u8 type, u32 index. */
const PIECE_FRAME_HEAD = FRAME_HEADER_BYTES + 4;

/** A piece frame allocated whole: `frame` goes to the wire, `data` (its tail) is where the piece's bytes belong. */
export interface PieceFrame {
  frame: Buffer;
  data: Buffer;
}

/**
 * Allocates one buffer for a whole piece frame, header written, and hands back the data region, so a holder reads
 * the file straight into the frame and writes it with one socket write: no copy on the hot path. The piece codec
 * below is the only owner of this layout (`u32 length | u8 type | u32 index | data`).
 */
export function allocPieceFrame(index: number, length: number): PieceFrame {
  const frame = Buffer.allocUnsafeSlow(PIECE_FRAME_HEAD + length);
  frame.writeUInt32BE(1 + 4 + length, 0);
  frame.writeUInt8(PIECE_TYPE, 4);
  frame.writeUInt32BE(index, FRAME_HEADER_BYTES);
  return { frame, data: frame.subarray(PIECE_FRAME_HEAD) };
}

/** The largest frame a transfer must accept for pieces of `pieceSize` bytes (type byte + index + data). */
export function pieceFrameLimit(pieceSize: number): number {
  return 1 + 4 + pieceSize;
}

/** Binary codec for pieces: `u32 index | data`. Decoding returns a view of the data, never a copy. */
const pieceCodec: MessageCodec<PieceMessage> = {
  type: PIECE_TYPE,
  name: 'piece',
  encode: ({ index, data }) => {
    const piece = allocPieceFrame(index, data.length);
    data.copy(piece.data);
    return piece.frame;
  },
  decode: (payload) => {
    if (payload.length < 4) throw new BadMessageError('piece: shorter than its index');
    const data = payload.subarray(4);
    // The frame body (type + index + data) owns its memory when the decoder assembled it from several chunks.
    return { index: payload.readUInt32BE(0), data, owned: data.buffer.byteLength === data.length + 5 };
  },
};

export const peerMessages = new MessageTable<PeerMessages>({
  hello: jsonMessage(
    1,
    'hello',
    obj({ name: nameField, id: idField, host: hostField, port: portField, neighbours: names }),
  ),
  ping: jsonMessage(2, 'ping', obj({ n: int({ min: 0, max: Number.MAX_SAFE_INTEGER }) })),
  pong: jsonMessage(3, 'pong', obj({ n: int({ min: 0, max: Number.MAX_SAFE_INTEGER }) })),
  query: jsonMessage(
    4,
    'query',
    obj({
      qid: qidField,
      file: fileField,
      hops: hopsField,
      origin: peerRefShape,
      trace: optional(obj({ us: int({ min: 0, max: MAX_TRACE_US }) })),
    }),
  ),
  'topo-query': jsonMessage(5, 'topo-query', obj({ qid: qidField, hops: hopsField, origin: peerRefShape })),
  'topo-reply': jsonMessage(6, 'topo-reply', obj({ qid: qidField, peer: peerInfoShape })),
  'trace-step': jsonMessage(
    16,
    'trace-step',
    obj({
      qid: qidField,
      peer: nameField,
      from: nameField,
      hops: hopsField,
      action: literal(...TRACE_ACTIONS),
      us: int({ min: 0, max: MAX_TRACE_US }),
      to: int({ min: 0, max: MAX_PEERS_ON_WIRE }),
      key: str({ min: 44, max: 44, pattern: /^[A-Za-z0-9+/]{43}=$/ }),
      sig: str({ min: 88, max: 88, pattern: /^[A-Za-z0-9+/]{86}==$/ }),
    }),
  ),
  'stop-all': jsonMessage(8, 'stop-all', obj({ qid: qidField, by: nameField })),
  bye: jsonMessage(9, 'bye', obj({ reason: str({ max: 200 }) })),
  offer: jsonMessage(
    10,
    'offer',
    obj({
      qid: qidField,
      file: fileField,
      size: int({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      sha256: sha256Field,
      pieceSize: int({ min: 1, max: MAX_PIECE_SIZE }),
      pieces: packedDigests,
      prefixes: packedDigests,
      from: peerRefShape,
      have: optional(str({ max: Math.ceil(MAX_PIECES / 8 / 3) * 4, pattern: /^[A-Za-z0-9+/]*={0,2}$/ })),
    }),
  ),
  fetch: jsonMessage(
    11,
    'fetch',
    obj({ qid: qidField, file: fileField, sha256: str({ max: 64, pattern: /^([0-9a-f]{64})?$/ }), from: peerRefShape }),
  ),
  want: jsonMessage(14, 'want', obj({ qid: qidField, pieces: arr(pieceIndex, { max: MAX_WANT }) })),
  cancel: jsonMessage(15, 'cancel', obj({ qid: qidField, pieces: arr(pieceIndex, { max: MAX_WANT }) })),
  have: jsonMessage(24, 'have', obj({ qid: qidField, pieces: arr(pieceIndex, { max: MAX_WANT }) })),
  peers: jsonMessage(25, 'peers', obj({ qid: qidField, peers: arr(peerRefShape, { max: MAX_EXCHANGE }) })),
  decline: jsonMessage(12, 'decline', obj({ qid: qidField, reason: str({ max: 200 }) })),
  result: jsonMessage(13, 'result', obj({ qid: qidField, ok: bool(), reason: str({ max: 200 }) })),
  piece: pieceCodec,
  'custody-offer': jsonMessage(30, 'custody-offer', obj({ owner: peerRefShape, files: custodyFiles })),
  'custody-result': jsonMessage(
    31,
    'custody-result',
    obj({
      files: arr(obj({ sha256: sha256Field, ok: bool(), reason: str({ max: 200 }) }), { max: MAX_CUSTODY_FILES }),
    }),
  ),
  'custody-return': jsonMessage(32, 'custody-return', obj({ custodian: peerRefShape, files: custodyFiles })),
  'custody-released': jsonMessage(33, 'custody-released', obj({ files: arr(sha256Field, { max: MAX_CUSTODY_FILES }) })),
  ...mirrorCodecs,
});
