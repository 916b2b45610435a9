import type { TrustedFile, TrustedPeer } from '../../common/wire/server-messages.js';
import type { TraceAction } from '../../common/wire/peer-messages.js';
export type { TraceAction };
import type { PeerInfo } from '../../common/wire/shapes.js';

/**
 * Everything the peer core tells the outside world. Headless mode prints each as one JSON line (docs/CONTRACT.md "Events");
 * the dashboard feeds its panels from the same stream. The core never calls a UI: it only emits these.
 * Every event carries `event` and `t` (ms since epoch). Identities (docs/ARCHITECTURE.md, "Events with identities"):
 * - `cmd`: the sequence number of the command line that caused the event (`PeerHandle.command` returns it: 1 for the
 *   first line, 2 for the next, empty lines included). Set on a command's answer (`topology`, `list`, `find-results`,
 *   `where`, `files`, `help`, `partials`, `trusted`, `limits`, `already-have`, `error`, `leaving`, `stopped`, `trace`)
 *   and on every event of the
 *   download it started (`query-sent`, `download-*`, `not-found`, `ambiguous`); `download-cancelled` also names the cancel line
 *   (`by`). Absent on what no command caused: a download resumed at start-up,
 *   neighbours joining, the periodic `files` and `mesh`, a leave asked by a signal or another peer.
 * - `download`: one id per download for its whole life: every round of searching, every source, a relocation after
 *   its holders left, a retry that resumes its kept pieces, a resume after a restart (it is kept with the partial file).
 * - `query`: the id of one flooded search round (`query-sent`, `query-seen`): the mesh drops an id it has seen, so
 *   each round of a download's search gets a fresh one. On `upload-*`, the id of the request being answered (the
 *   requester's flooded query, or its direct fetch).
 */
export type PeerEventBody =
  | {
      event: 'ready';
      name: string;
      id: string;
      host: string;
      port: number;
      neighbours: string[];
      server: string;
      dir: string;
      /** The downloads folder, absolute (the core always sets it). */
      downloads?: string;
      /** Every connection runs TLS with the mesh key; false for an `--open` mesh (docs/CONTRACT.md "The trusted mesh"). */
      keyed?: boolean;
      /** `--trusted-only`: this peer takes only content on the trusted-file list. */
      trustedOnly?: boolean;
      /** `--backup`: this peer keeps a copy of every content in the mesh. */
      backup?: boolean;
      /** `--mirror`: this peer keeps `Mirror/OWNER/` a receive-only copy of every other member's `shared/`. */
      mirror?: boolean;
    }
  | { event: 'neighbour-up'; name: string; id: string; host: string; port: number }
  | { event: 'neighbour-down'; name: string; reason: string }
  | {
      event: 'server';
      state: 'connecting' | 'connected' | 'unreachable' | 'lost';
      address: string;
      peers?: number;
      retryInMs?: number;
      message?: string;
      /** `discovery`: the address came from the server's announcement (peer/mesh/server-finder.ts). */
      via?: 'discovery';
    }
  | { event: 'query-sent'; query: string; download: string; file: string; hops: number; neighbours: number }
  | {
      event: 'query-seen';
      query: string;
      file: string;
      from: string;
      origin: string;
      hops: number;
      action: 'forwarded' | 'answered' | 'duplicate' | 'refused' | 'expired' | 'own';
      reason?: string;
    }
  | { event: 'download-started'; download: string; file: string; from: string; bytes: number; sha256: string }
  | {
      event: 'download-progress';
      download: string;
      file: string;
      from: string;
      bytes: number;
      received: number;
      sources: SourceShare[];
    }
  | { event: 'download-resumed'; download: string; file: string; sha256: string; bytes: number; have: number }
  | {
      event: 'download-complete';
      download: string;
      file: string;
      path: string;
      bytes: number;
      sha256: string;
      from: string;
      ms: number;
      sources: SourceShare[];
    }
  | { event: 'download-failed'; download: string; file: string; reason: string; kept?: number }
  /**
   * Nobody holds it. The core always sets `suggestions` (close names the mesh holds, maybe none) and `message` (the
   * sentence, ending "did you mean …?" when there are suggestions); optional only for front-ends' fixtures.
   */
  | { event: 'not-found'; download: string; file: string; suggestions?: string[]; message?: string }
  /**
   * Holders offer different contents under the name asked for, so nothing was fetched (docs/CONTRACT.md "Choosing
   * among contents"): one entry per content, the most held first; `FILE from PEER` or `FILE sha256 PREFIX` chooses.
   * The core always sets `message` (who offers what, and how to choose); optional only for front-ends' fixtures.
   */
  | { event: 'ambiguous'; download: string; file: string; choices: AmbiguousChoice[]; message?: string }
  /**
   * A download stopped by `cancel` (docs/CONTRACT.md "Events"): its last event, so `cmd` is the line that started it
   * (the cancel line when none of this run did: a resume at start-up, a kept partial forgotten) and `by` the cancel
   * line. `kept`: verified bytes kept for a resume (0 when `discarded`).
   */
  | {
      event: 'download-cancelled';
      download: string;
      file: string;
      kept: number;
      discarded: boolean;
      by: number;
    }
  /** Answer to `partials`: the downloads kept unfinished in `.p2p/partial/`. */
  | { event: 'partials'; files: PartialEntry[] }
  /** The owner hands its files no other member holds to a custodian before it leaves (`Stop`). */
  | { event: 'handoff-started'; to: string; files: string[]; bytes: number }
  | { event: 'handoff-complete'; to: string; files: string[]; bytes: number }
  /** Files that could not be handed off (no custodian, no room, it went away): they leave with this peer. */
  | { event: 'handoff-failed'; to: string; files: string[]; bytes: number; reason: string }
  /** The custodian took (verified) files of a leaving owner / gave them back to it and dropped its copies. */
  | { event: 'custody-received'; owner: string; files: string[]; bytes: number }
  | { event: 'custody-returned'; owner: string; files: string[]; bytes: number }
  /** The custodian fetching one of a leaving owner's files: progress (`active`), then its outcome. */
  | {
      event: 'custody-transfer';
      owner: string;
      file: string;
      bytes: number;
      received: number;
      state: 'active' | 'verified' | 'failed';
      reason?: string;
    }
  /** A backup peer: contents kept (`files`, `bytes`), and contents in the mesh not kept yet (`missing`). */
  | { event: 'backup-synced'; files: number; bytes: number; missing: number }
  /**
   * A mirror peer applied one change to `Mirror/OWNER/` (docs/CONTRACT.md "Events"): `path` relative to the owner's
   * `shared/`; for a `conflict`, `kept` is the name the local edit was kept under (`NAME.conflict-YYYYMMDD-HHMMSS.EXT`).
   */
  | { event: 'mirror'; owner: string; path: string; action: MirrorAction; kept?: string }
  /** A mirror peer's state per owner, whenever something changed (at most 4 per second); `cmd` on the answer to `mirror`. */
  | { event: 'mirror-status'; owners: MirrorOwnerStatus[] }
  /** The owner, back, got its files from a custodian into shared/. */
  | { event: 'files-returned'; from: string; files: string[]; bytes: number }
  /**
   * Answer to `trusted`: the peers the metadata server trusts (with the id bound to each name, once it joined) and
   * the trusted files they share, from the last list this peer verified (`verified` false: none yet).
   */
  | { event: 'trusted'; peers: TrustedPeer[]; files: TrustedFile[]; verified: boolean; complete: boolean }
  | { event: 'already-have'; file: string; path: string }
  /** The bandwidth caps in bytes per second (null: none): the answer to `limit`, and at `ready` when a cap is set. */
  | { event: 'limits'; up: number | null; down: number | null }
  | { event: 'upload-started'; query: string; file: string; to: string; bytes: number }
  | { event: 'upload-progress'; query: string; file: string; to: string; bytes: number; sent: number }
  | { event: 'upload-complete'; query: string; file: string; to: string; bytes: number; sent: number }
  | { event: 'upload-failed'; query: string; file: string; to: string; reason: string; sent: number }
  | { event: 'topology'; peers: PeerInfo[] }
  /** Answer to `trace FILE`: the steps of one traced search (docs/PROTOCOL.md "Query trace"). */
  | ({ event: 'trace' } & TraceResult)
  /** The metadata server's view of the mesh, refreshed every few seconds (for the dashboard; not an answer to TOPO). */
  | { event: 'mesh'; peers: PeerInfo[] }
  | { event: 'neighbour-stats'; neighbours: NeighbourStats[] }
  /**
   * What this peer offers; `settling`: files in those folders still being written (or changed since they were
   * hashed), offered once their size and mtime have stood still for the settle period (docs/CONTRACT.md "Folders").
   */
  | {
      event: 'files';
      shared: FileEntry[];
      downloads: FileEntry[];
      settling?: FileEntry[];
      /** Files this peer keeps for peers that left (peer/custody/custody-store.ts): not its own shares. */
      custody?: { owner: string; file: string; bytes: number; sha256: string }[];
    }
  /** Answer to `list`: every file in the mesh's index. */
  /**
   * Answer to `list`. `source: 'address-book'` when the metadata server could not be asked: only what this peer has
   * seen offered, so it may miss files and holders.
   */
  | { event: 'list'; files: ListedFile[]; source?: 'address-book' }
  /** Answer to `find PATTERN` (`source` as for `list`). */
  | { event: 'find-results'; pattern: string; files: FoundFile[]; source?: 'address-book' }
  /** Answer to `where FILE`: the holders this peer knows for it. */
  | { event: 'where'; file: string; holders: KnownHolder[] }
  | { event: 'help'; commands: { command: string; description: string }[] }
  | { event: 'log'; level: 'info' | 'warn'; message: string }
  | { event: 'error'; message: string }
  /** The peer began to leave (Stop, Stop all, a signal, the server or another peer asked); `stopped` follows. */
  | { event: 'leaving'; reason: string }
  | { event: 'stopped'; reason: string };

/** What a part reports: a body, with `cmd` when a command line caused it. */
export type PeerEventReport = PeerEventBody & { cmd?: number };
export type PeerEvent = PeerEventReport & { t: number };
export type PeerEventName = PeerEvent['event'];

/** One owner in `mirror-status` (docs/CONTRACT.md "Events"). */
export interface MirrorOwnerStatus {
  owner: string;
  state: 'in-sync' | 'syncing' | 'offline' | 'refused';
  /** The owner's version this mirror has applied. */
  version: number;
  /** Files still to fetch or delete. */
  behind: number;
  /** Files and bytes held in `Mirror/OWNER/`. */
  files: number;
  bytes: number;
  /** The owner's tree as published. */
  total: { files: number; bytes: number };
  /** Fetched in the current round of syncing. */
  done: { files: number; bytes: number };
  /** When a copy last changed here (ms since the epoch), or null. */
  lastChange: number | null;
  /** Why it is offline or refused, or what went wrong last. */
  problem?: string;
}

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

/** One peer's step of a trace, as the `trace` event reports it (docs/CONTRACT.md "Events"). */
export interface TraceStep {
  peer: string;
  /** The neighbour this copy came from. */
  from: string;
  /** Links the copy crossed from the origin (1: a neighbour of the origin). */
  hops: number;
  action: TraceAction;
  /** Estimated ms from the origin's send to this copy's arrival (docs/PROTOCOL.md "Query trace"). */
  ms: number;
  /** Neighbours it passed the query on to. */
  to: number;
}

export interface TraceResult {
  file: string;
  query: string;
  /** The hop limit the query left with. */
  limit: number;
  /** Ordered by `ms`, then `hops`. */
  steps: TraceStep[];
  /** Peers the query reached (the origin not counted). */
  reached: number;
  /** Copies dropped as duplicates. */
  duplicates: number;
  answeredBy: string[];
  /** Holders' offers that dialled back in time (declined: a trace does not download). */
  offers: { peer: string; bytes: number; sha256: string }[];
  /** Steps not believed (unknown peer, bad signature) or beyond MAX_TRACE_STEPS. */
  rejected: number;
}

/** A download kept unfinished: its content, what of it is verified, and when it last changed. */
export interface PartialEntry {
  file: string;
  download?: string;
  sha256: string;
  /** The whole file's size. */
  bytes: number;
  /** Verified bytes held. */
  have: number;
  /** `have` in whole percent of `bytes` (100 for an empty file). */
  percent: number;
  /** ms since epoch of the last verified piece (or of the record). */
  modified: number;
  /** It is being downloaded right now. */
  running: boolean;
}

/** One content offered under an ambiguous name: its SHA-256 (hex), its size, and the peers that hold it (sorted). */
export interface AmbiguousChoice {
  sha256: string;
  bytes: number;
  holders: string[];
  /** When a bare name names several paths (`docs/report.pdf`, `old/report.pdf`): the path of this choice. */
  path?: string;
}

export interface FileEntry {
  name: string;
  size: number;
}

export type MirrorAction = 'added' | 'changed' | 'deleted' | 'conflict';

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

/** `body` tagged with the command that caused it (left untagged when none did). */
export function caused<T extends object>(body: T, cmd: number | undefined): T & { cmd?: number } {
  return cmd === undefined ? body : { ...body, cmd };
}

/** Events too frequent for a line-per-event consumer unless asked for (headless `--verbose`). */
export const CHATTY_EVENTS: ReadonlySet<PeerEventName> = new Set([
  'download-progress',
  'upload-progress',
  'neighbour-stats',
  'mesh',
]);
