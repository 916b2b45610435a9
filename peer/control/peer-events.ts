import type { PeerInfo } from '../../common/wire/shapes.js';

/**
 * Everything the peer core tells the outside world. Headless mode prints each as one JSON line (SPEC "Events");
 * the dashboard feeds its panels from the same stream. The core never calls a UI: it only emits these.
 * Every event carries `event` and `t` (ms since epoch).
 */
export type PeerEventBody =
  | { event: 'ready'; name: string; id: string; host: string; port: number; neighbours: string[]; server: string; dir: string }
  | { event: 'neighbour-up'; name: string; id: string; host: string; port: number }
  | { event: 'neighbour-down'; name: string; reason: string }
  | { event: 'server'; state: 'connecting' | 'connected' | 'unreachable' | 'lost'; address: string; peers?: number; retryInMs?: number; message?: string }
  | { event: 'query-sent'; qid: string; file: string; hops: number; neighbours: number }
  | { event: 'query-seen'; qid: string; file: string; from: string; origin: string; hops: number; action: 'forwarded' | 'answered' | 'duplicate' | 'refused' | 'expired' | 'own'; reason?: string }
  | { event: 'download-started'; qid: string; file: string; from: string; bytes: number; sha256: string }
  | { event: 'download-progress'; qid: string; file: string; from: string; bytes: number; received: number; sources: SourceShare[] }
  | { event: 'download-resumed'; qid: string; file: string; sha256: string; bytes: number; have: number }
  | { event: 'download-complete'; qid: string; file: string; path: string; bytes: number; sha256: string; from: string; ms: number; sources: SourceShare[] }
  | { event: 'download-failed'; qid: string; file: string; reason: string; kept?: number }
  | { event: 'not-found'; qid: string; file: string }
  | { event: 'already-have'; file: string; path: string }
  | { event: 'upload-started'; qid: string; file: string; to: string; bytes: number }
  | { event: 'upload-progress'; qid: string; file: string; to: string; bytes: number; sent: number }
  | { event: 'upload-complete'; qid: string; file: string; to: string; bytes: number; sent: number }
  | { event: 'upload-failed'; qid: string; file: string; to: string; reason: string; sent: number }
  | { event: 'topology'; peers: PeerInfo[] }
  /** The metadata server's view of the mesh, refreshed every few seconds (for the dashboard; not an answer to TOPO). */
  | { event: 'mesh'; peers: PeerInfo[] }
  | { event: 'neighbour-stats'; neighbours: NeighbourStats[] }
  | { event: 'files'; shared: FileEntry[]; downloads: FileEntry[] }
  /** Answer to `list`: every file in the mesh's index. */
  | { event: 'list'; files: ListedFile[] }
  /** Answer to `find PATTERN`. */
  | { event: 'find-results'; pattern: string; files: FoundFile[] }
  /** Answer to `where FILE`: the holders this peer knows for it. */
  | { event: 'where'; file: string; holders: KnownHolder[] }
  | { event: 'help'; commands: { command: string; description: string }[] }
  | { event: 'log'; level: 'info' | 'warn'; message: string }
  | { event: 'error'; message: string }
  | { event: 'stopped'; reason: string };

export type PeerEvent = PeerEventBody & { t: number };
export type PeerEventName = PeerEvent['event'];

export interface NeighbourStats {
  name: string;
  id: string;
  host: string;
  port: number;
  /** ms since epoch when the link opened. */
  since: number;
  bytesIn: number;
  bytesOut: number;
  /** Last measured round-trip time in ms, or null before the first pong. */
  rttMs: number | null;
}

export interface FileEntry {
  name: string;
  size: number;
}

/** One holder's part in a download: what it delivered (verified), and whether it is still sending. */
export interface SourceShare {
  name: string;
  bytes: number;
  pieces: number;
  active: boolean;
}

export interface ListedFile {
  name: string;
  size: number;
  sha256: string;
  /** How many live peers hold it. */
  holders: number;
}

export interface FoundFile {
  name: string;
  size: number;
  sha256: string;
  holders: string[];
}

export interface KnownHolder {
  name: string;
  host: string;
  port: number;
  sha256: string;
  size: number;
  /** Where this peer learnt it: the metadata server's index, or its own address book (ms since epoch of the sighting). */
  source: 'index' | 'address-book';
  seen?: number;
}

/** Events too frequent for a line-per-event consumer unless asked for (headless `--verbose`). */
export const CHATTY_EVENTS: ReadonlySet<PeerEventName> = new Set(['download-progress', 'upload-progress', 'neighbour-stats', 'mesh']);
