import type { PeerEventReport } from '../control/peer-events.js';
import type { SwarmDownload } from './swarm-download.js';

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
}

/** The last event of a cancelled download (docs/CONTRACT.md "Events"). */
export function cancelledEvent(job: Job, file: string, kept: number): PeerEventReport {
  const { by, discard } = job.cancelled!;
  const body = { event: 'download-cancelled', download: job.download, file, kept, discarded: discard, by } as const;
  return { ...body, cmd: job.cmd ?? by };
}
