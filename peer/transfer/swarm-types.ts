import type { Manifest } from '../content/manifest.js';
import type { PeerRef } from '../../common/wire/shapes.js';

/** The options, shares, events and content of a SwarmDownload (peer/transfer/swarm-download.ts). */
export interface SwarmOptions {
  /**
   * Pieces requested from one source and not yet received. Default 1: a 1 MiB piece outlasts a LAN round trip many
   * times over (measured no slower than 2 on loopback), and whatever is in flight is lost if the requester is killed
   * (docs/performance.md, "Resume after SIGKILL").
   */
  depth?: number;
  /** Near the end, how many sources may be asked for the same missing piece. Default 2. */
  endgameCopies?: number;
  /** Time a piece is in flight before a second source is asked for it near the end. Default 500 ms. */
  endgameAfterMs?: number;
  /** Pieces received but not yet written and checked before every source is paused. Default 4. */
  maxPendingWrites?: number;
  /** Least time between two `progress` events. Default 250 ms. */
  progressIntervalMs?: number;
  /** Silence from a source after which it is dropped. Default 15 000 ms. */
  idleTimeoutMs?: number;
  /** No source holds a missing piece this long (only partial ones left): all are dropped. Default 10 000 ms. */
  starvedAfterMs?: number;
  /** While a source is open, an empty `want` tells the holder every so often that we are still here. Default 5000 ms. */
  keepaliveMs?: number;
  pace?: (bytes: number) => number; // a rate cap: ms to wait after a piece of that size before asking again
}

export interface SourceShare {
  name: string;
  bytes: number;
  pieces: number;
  active: boolean;
}

export interface SwarmEvents {
  /** The first source started sending. */
  started: (from: string) => void;
  progress: (received: number, sources: SourceShare[]) => void;
  /** A source was added, dropped, or sent a bad piece (for the log). */
  source: (name: string, what: 'joined' | 'dropped' | 'bad-piece', detail: string) => void;
  /** Every source is gone and pieces are missing. */
  stalled: () => void;
  complete: (name: string, sha256: string, sources: SourceShare[]) => void;
  /** The download ended without the file; `kept` bytes of verified pieces stay for a resume. */
  failed: (reason: string, kept: number) => void;
  /** Piece `index` was checked and is held: it may be served to others (docs/PROTOCOL.md "Swarming"). */
  verified: (index: number) => void;
  /** A source named other peers fetching this content (not yet checked: peer/transfer/peer-exchange.ts). */
  peers: (from: string, peers: PeerRef[], requester?: boolean) => void;
}

/** What a swarm downloads: a content (its manifest) under a file name. */
export interface Content {
  file: string;
  manifest: Manifest;
}
