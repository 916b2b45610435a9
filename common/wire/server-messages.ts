import { MessageTable, jsonMessage } from '../message-table.js';
import { arr, bool, int, literal, obj, optional, str } from '../schema.js';
import { MAX_HOPS } from './peer-messages.js';
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

/**
 * The metadata-server protocol (peer ↔ server), one JSON message per frame. docs/PROTOCOL.md describes the
 * exchanges; the type bytes are stable.
 */
export const PROTOCOL_VERSION = 1;

/** The join flag of the original design (`p2p` / `P2P`), kept on the wire case-insensitively. */
export const JOIN_FLAG_PATTERN = /^p2p$/i;

export interface ServerMessages {
  /** peer → server: asks to be admitted. `port` is the port it already listens on when re-registering. */
  join: { flag: string; name: string; id: string; host: string; port?: number; version: number };
  /**
   * server → peer: admitted; listen on `port`, dial `referrals`. `reach`: the hops a flood from this peer needs to
   * reach every live peer once linked to its first referral (one more than that referral's eccentricity), 1..32.
   */
  welcome: { port: number; referrals: PeerRef[]; peers: number; reach?: number };
  /** server → peer: not admitted (or a request refused); the connection closes after it. */
  refused: { code: string; reason: string };
  /** peer → server: the assigned port is taken on the peer's host; asks for another. */
  'port-busy': { port: number };
  /** peer → server: now listening on its port and connected to these neighbours. */
  listening: { port: number; neighbours: string[] };
  /** peer → server: still alive; its current neighbour names, and the bytes free where it keeps files. */
  heartbeat: { neighbours: string[]; room?: number };
  /**
   * server → peer: answer to heartbeat, with peers to dial when the mesh needs repairing. `reach`: the hops a flood
   * from this peer needs to reach every live peer it is connected to (its eccentricity in the mesh), 1..32; absent
   * while it has no live neighbour.
   */
  'heartbeat-ack': { peers: number; link: PeerRef[]; reach?: number };
  /** peer → server: leaving for good. */
  leave: { reason: string };
  /** peer → server: who is in the mesh? */
  'peers-request': { rid: string };
  /** server → peer: the registry's view of the mesh. */
  peers: { rid: string; peers: PeerInfo[] };
  /** peer → server: ask every peer to leave (docs/CONTRACT.md "Peer commands"). */
  'stop-all': { by: string };
  /** server → peer: leave now. */
  stop: { reason: string };
  /** peer → server: everything this peer holds now (replaces what it said before). */
  index: { files: IndexedFile[] };
  /**
   * peer → server: search the mesh's index. `mode`: `all` lists everything; `substring` matches names containing
   * `pattern` (case-insensitive); `name` matches the exact name, else files whose stem (name without extension) is
   * `pattern`.
   */
  'files-request': { rid: string; mode: 'all' | 'substring' | 'name'; pattern: string };
  /** server → peer: one entry per distinct (name, sha256), with every live peer holding it. */
  files: { rid: string; entries: IndexEntry[] };
  /**
   * server → peer: the trust list (`list`, the JSON text of a `TrustListBody`) and the server's Ed25519 signature of
   * TRUST_SIGNING_CONTEXT + list (base64). Sent after `welcome` and whenever the list changes.
   */
  trust: { list: string; signature: string };
  /** peer → server, on `Stop`: which of my files does no other member hold, and who keeps them? */
  'custody-request': { rid: string };
  /**
   * server → peer: the files only the asker holds (by SHA-256), and the custodian to hand them to (none: `reason`
   * says why). docs/PROTOCOL.md "Custody".
   */
  'custody-plan': { rid: string; files: IndexedFile[]; custodian?: PeerRef; reason: string };
}

/** What a signature over a trust list covers, before the list's text: no other signed text can pass for one. */
export const TRUST_SIGNING_CONTEXT = 'meshshare/1 trust list\n';
/** Most trusted files in one list (each at most ~420 bytes of JSON: the list fits a 1 MiB frame). */
export const MAX_TRUSTED_FILES = 2000;
/** Longest trust list text. */
export const MAX_TRUST_LIST_CHARS = 950_000;

/** A trusted peer: a name the metadata server trusts, with the id bound to it (once it has joined). */
export interface TrustedPeer {
  name: string;
  id?: string;
}

/** A trusted file: content a trusted peer shares (its publisher), by name, size and SHA-256. */
export interface TrustedFile extends IndexedFile {
  publisher: string;
}

/** The signed trust list (docs/SECURITY.md "Trusted peers and files"). */
export interface TrustListBody {
  version: 1;
  /** When the server issued it (ms since epoch): a peer keeps the newest it verified. */
  issued: number;
  peers: TrustedPeer[];
  files: TrustedFile[];
  /** False when more files were trusted than a list holds (MAX_TRUSTED_FILES). */
  complete: boolean;
}

/** A file as its holder describes it to the index. */
export interface IndexedFile {
  name: string;
  size: number;
  sha256: string;
}

/** One content under one name, and who holds it. */
export interface IndexEntry extends IndexedFile {
  holders: PeerRef[];
}

/** Longest file name (a relative path, `docs/report.pdf`) the index holds or is asked for, in characters. */
export const MAX_FILE_PATH = 1024;
/** Most files one peer may list in the index. */
export const MAX_INDEXED_FILES = 2000;
/**
 * Most UTF-8 bytes of names one peer's index may hold in total: 2000 names of 255 bytes, what the metadata server's
 * index region and request frame are sized for (metadata-server/index-region.ts). Paths are longer than plain names,
 * so a peer cuts its list at whichever of the two limits comes first (peer/files/index-publisher.ts).
 */
export const MAX_INDEX_NAME_BYTES = MAX_INDEXED_FILES * 255;
/** Most entries in one `files` answer. */
export const MAX_INDEX_ENTRIES = 5000;

const ridField = str({ min: 1, max: 64, pattern: /^[A-Za-z0-9_-]+$/ });
const indexedFileFields = {
  name: str({ min: 1, max: MAX_FILE_PATH }), // a relative path (peer/files/relative-path.ts)
  size: int({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  sha256: str({ min: 64, max: 64, pattern: /^[0-9a-f]{64}$/ }),
};
const indexedFileShape = obj(indexedFileFields);

/** The schema a peer checks a trust list's text against, once its signature verified. */
export const trustListShape = obj({
  version: int({ min: 1, max: 1 }),
  issued: int({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  peers: arr(obj({ name: nameField, id: optional(idField) }), { max: MAX_PEERS_ON_WIRE }),
  files: arr(obj({ ...indexedFileFields, publisher: nameField }), { max: MAX_TRUSTED_FILES }),
  complete: bool(),
});
const neighbourList = arr(nameField, { max: MAX_PEERS_ON_WIRE });
/** Hops a flood needs (a peer's eccentricity), bounded like a query's hop limit. */
const reachField = int({ min: 1, max: MAX_HOPS });

export const serverMessages = new MessageTable<ServerMessages>({
  join: jsonMessage(
    1,
    'join',
    obj({
      flag: str({ max: 16 }),
      name: str({ max: 64 }), // checked for validity by the server so it can refuse with a reason
      id: idField,
      host: hostField,
      port: optional(portField),
      version: int({ min: 0, max: 1000 }),
    }),
  ),
  welcome: jsonMessage(
    2,
    'welcome',
    obj({
      port: portField,
      referrals: arr(peerRefShape, { max: MAX_PEERS_ON_WIRE }),
      peers: int({ min: 0, max: 100_000 }),
      reach: optional(reachField),
    }),
  ),
  refused: jsonMessage(3, 'refused', obj({ code: str({ max: 64 }), reason: str({ max: 500 }) })),
  'port-busy': jsonMessage(4, 'port-busy', obj({ port: portField })),
  listening: jsonMessage(5, 'listening', obj({ port: portField, neighbours: neighbourList })),
  heartbeat: jsonMessage(
    6,
    'heartbeat',
    obj({ neighbours: neighbourList, room: optional(int({ min: 0, max: Number.MAX_SAFE_INTEGER })) }),
  ),
  'heartbeat-ack': jsonMessage(
    7,
    'heartbeat-ack',
    obj({
      peers: int({ min: 0, max: 100_000 }),
      link: arr(peerRefShape, { max: MAX_PEERS_ON_WIRE }),
      reach: optional(reachField),
    }),
  ),
  leave: jsonMessage(8, 'leave', obj({ reason: str({ max: 200 }) })),
  'peers-request': jsonMessage(9, 'peers-request', obj({ rid: ridField })),
  peers: jsonMessage(10, 'peers', obj({ rid: ridField, peers: arr(peerInfoShape, { max: MAX_PEERS_ON_WIRE }) })),
  'stop-all': jsonMessage(11, 'stop-all', obj({ by: nameField })),
  stop: jsonMessage(12, 'stop', obj({ reason: str({ max: 200 }) })),
  index: jsonMessage(13, 'index', obj({ files: arr(indexedFileShape, { max: MAX_INDEXED_FILES }) })),
  'files-request': jsonMessage(
    14,
    'files-request',
    obj({
      rid: ridField,
      mode: literal('all', 'substring', 'name'),
      pattern: str({ max: MAX_FILE_PATH }),
    }),
  ),
  files: jsonMessage(
    15,
    'files',
    obj({
      rid: ridField,
      entries: arr(obj({ ...indexedFileFields, holders: arr(peerRefShape, { max: MAX_PEERS_ON_WIRE }) }), {
        max: MAX_INDEX_ENTRIES,
      }),
    }),
  ),
  trust: jsonMessage(
    16,
    'trust',
    obj({
      list: str({ min: 2, max: MAX_TRUST_LIST_CHARS }),
      signature: str({ min: 1, max: 128, pattern: /^[A-Za-z0-9+/=]+$/ }),
    }),
  ),
  'custody-request': jsonMessage(17, 'custody-request', obj({ rid: ridField })),
  'custody-plan': jsonMessage(
    18,
    'custody-plan',
    obj({
      rid: ridField,
      files: arr(indexedFileShape, { max: MAX_INDEXED_FILES }),
      custodian: optional(peerRefShape),
      reason: str({ max: 300 }),
    }),
  ),
});
