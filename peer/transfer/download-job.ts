import { caused, type AmbiguousChoice, type PeerEventReport } from '../control/peer-events.js';
import type { PeerMessages } from '../../common/wire/peer-messages.js';
import { ambiguousMessage } from './content-choice.js';
import type { TrustGate } from './trust-gate.js';
import type { ContentWant } from './content-choice.js';

export type { ContentWant };
import type { IndexEntry } from '../../common/wire/server-messages.js';
import type { PeerRef } from '../../common/wire/shapes.js';
import type { Dialer } from '../transport/transport.js';
import type { SwarmDownload, SwarmOptions } from './swarm-download.js';

/** One download's state while it runs (transfer/downloads.ts keeps them): its ids, its search, its swarm. */
export interface Job {
  /** The wire id of the first round (flood or fetch); later flood rounds get aliases. */
  qid: string;
  /** The download's id in events, for its whole life (kept in the partial record across restarts). */
  download: string;
  /** The command line that asked for it, if one did (a resume at start-up has none). */
  cmd?: number;
  /** What the user asked for (or the resumed file's name). */
  query: string;
  started: number;
  /** The content wanted, once known (a resumed download, or the first offer taken). */
  sha256?: string;
  swarm?: SwarmDownload;
  timer?: NodeJS.Timeout;
  relocations: number;
  /** Holders dialled with `fetch` for this job, so each is asked once per round. */
  asked: Set<string>;
  /** Set by `cancel`: the cancel line, and whether the partial data goes too. */
  cancelled?: { by: number; discard: boolean };
  /** The last holder that offered different content under this name (its file changed, or another version). */
  otherContent?: { from: string; sha256: string };
  /** What the user narrowed it to: `FILE from PEER`, `FILE sha256 PREFIX` (empty for a plain `FILE`). */
  want: ContentWant;
  /** Why holders were turned away for trust (trust-gate.ts): the answer when no other holder is left. */
  refusal?: string;
  /**
   * A flood's first offer was taken: for DownloadsOptions.chooseWindowMs the finished file is not placed, and an offer
   * of another content under its name makes the download `ambiguous` (docs/CONTRACT.md "Choosing among contents").
   */
  watch?: { offers: OfferSummary[]; release: (keep: boolean) => void; timer: NodeJS.Timeout };
  /** Ended as `ambiguous` (or a refused prefix): its swarm's `failed` is not reported. */
  refused?: boolean;
}

/** Who offered which content under which name. */
export interface OfferSummary {
  file: string;
  sha256: string;
  size: number;
  from: string;
}

/**
 * Why a download with kept pieces gives up: `situation` (no holder reachable, every holder gone), or, when holders
 * now offer different content under the name, that (asking again would resume the old content and fail the same
 * way: the way out is to drop the kept pieces).
 */
export function giveUpReason(job: Job, situation: string, kept: string): string {
  const other = job.otherContent;
  if (!other) return `${situation}; ${kept} are kept: ask again to resume`;
  const file = job.swarm?.content.file ?? job.query;
  return (
    `${other.from} now offers a different ${file} (SHA-256 ${other.sha256.slice(0, 12)}…) and no holder has this ` +
    `one; ${kept} of it are kept: cancel ${file} --discard, then ask again to fetch the new one`
  );
}

/** The last event of a cancelled download (docs/CONTRACT.md "Events"). */
export function cancelledEvent(job: Job, file: string, kept: number): PeerEventReport {
  const { by, discard } = job.cancelled!;
  const body = { event: 'download-cancelled', download: job.download, file, kept, discarded: discard, by } as const;
  return { ...body, cmd: job.cmd ?? by };
}

/** Why a download may not pick a content: `ambiguous`, or a prefix matching several (an `error`). */
export type Refusal =
  { kind: 'ambiguous'; file: string; choices: AmbiguousChoice[] } | { kind: 'refused'; message: string };

/** The event that ends a download that may not pick a content. */
export function refusalEvent(job: Job, decision: Refusal): PeerEventReport {
  if (decision.kind === 'refused') return caused({ event: 'error', message: decision.message }, job.cmd);
  const { file, choices } = decision;
  const message = ambiguousMessage(file, choices);
  return caused({ event: 'ambiguous', download: job.download, file, choices, message }, job.cmd);
}

/** What an offer said, as the choosing window keeps it. */
export function summary(offer: PeerMessages['offer']): OfferSummary {
  return { file: offer.file, sha256: offer.sha256, size: offer.size, from: offer.from.name };
}

export interface DownloadsOptions {
  /** How long a search waits for a first holder before `not-found`. Default 3000 ms. */
  queryTimeoutMs?: number;
  /**
   * After a flood's first offer is taken, how long other offers may still show a different content under the name
   * (docs/CONTRACT.md "Choosing among contents"): the data flows at once, but the file is placed only after this
   * window. Holders dial back within milliseconds on a LAN. Holders named by the index or the address book were
   * chosen before any was dialled, so they never wait. Default 300 ms.
   */
  chooseWindowMs?: number;
  /** Times a download whose holders all left looks for new ones before it gives up (keeping its pieces). Default 3. */
  relocateAttempts?: number;
  /** Pause before each of those attempts, times the attempt number. Default 1000 ms. */
  relocateDelayMs?: number;
  /** How a `download-complete` path names the downloads folder (PeerFolders.downloadsLabel). Default `Downloads`. */
  downloadsLabel?: string;
  swarm?: SwarmOptions;
}

/** What the manager needs from the rest of the peer. */
export interface Locator {
  self(): PeerRef;
  /** The metadata server's index (`all` for every name it holds), or undefined when it cannot answer. */
  index(mode: 'name' | 'all', pattern: string): Promise<IndexEntry[] | undefined>;
  /** Floods a query for `file` under `qid`; returns how many neighbours it went to. */
  flood(qid: string, file: string): number;
  /** The hop limit floods start with now (reported in `query-sent`). */
  hopLimit(): number;
  /** Dials holders (`fetch`). */
  transport: Dialer;
  /** Whether a peer of that (canonical) name is in the mesh now: a live peer the server lists, or a neighbour. */
  member(name: string): Promise<boolean>;
  /** The id the mesh knows for a peer of that name now (a neighbour's, else the server's last live list), if any. */
  knownIdOf(name: string): string | undefined;
  /** What trust asks of downloads (`--trusted-only`, `secure-get`). Default: nothing. */
  trust?: TrustGate;
  /**
   * Where the mesh knows a peer another source named (peer/mesh/origin-check.ts), or why it is not dialled. Without
   * it, peers named that way are never dialled.
   */
  where?: (ref: PeerRef) => Promise<PeerRef | string>;
}
