import type { MirrorAction, PeerEvent } from '../../peer/control/peer-events.js';
import type { Described } from './file-table.js';

/** The first changes of a burst from one owner get a line each; the rest are counted and summed up. */
export const MIRROR_FIRST_LINES = 5;
/** Changes given a line each, all owners together, within one second (many owners syncing at once). */
export const MIRROR_LINES_PER_SECOND = 10;
/** Conflicts get a line each (each moved a local edit aside), up to this many in one burst. */
export const MIRROR_MAX_CONFLICT_LINES = 20;
/** A burst ends when its owner has sent no change for this long: its summary is logged then. */
export const MIRROR_QUIET_MS = 1_000;
/** A burst that goes on (a sync of 10 000 files) is summed up this often while it lasts. */
export const MIRROR_SUMMARY_EVERY_MS = 10_000;

type MirrorEvent = Extract<PeerEvent, { event: 'mirror' }>;

interface Burst {
  /** When the changes not yet summed up began (the burst's start, or its last summary). */
  since: number;
  /** The owner's latest change. */
  last: number;
  /** Lines given so far in this burst, and conflicts among them. */
  lines: number;
  conflictLines: number;
  /** A line or a summary was given: the next summary counts `more`. */
  said: boolean;
  /** Changes counted (not given a line) since `since`. */
  counted: Record<MirrorAction, number>;
}

const noneCounted = (): Record<MirrorAction, number> => ({ added: 0, changed: 0, deleted: 0, conflict: 0 });

/**
 * The log's lines for a mirror peer's changes (`mirror` events): `+ s2/docs/a.txt`, `~ … changed`, `- … deleted`,
 * `! conflict on …: kept your edit as …`. A sync of thousands of files must not flood the log: per owner, the first
 * few changes of a burst get a line each (and at most 10 a second for all owners together) and the rest are summed up (`mirrored 397 more from s2: 380 added, …`) when
 * the owner falls quiet, or every 10 s while it goes on. Pure: `lines` for each event, `tick` with the clock.
 */
export class MirrorLines {
  private readonly bursts = new Map<string, Burst>();
  /** Lines given to changes (not conflicts) in the second that began at `windowStart`, all owners together. */
  private windowStart = -Infinity;
  private windowLines = 0;

  /** The lines to log now for `e` (none when it is only counted). */
  lines(e: MirrorEvent): Described[] {
    const out: Described[] = [];
    let burst = this.bursts.get(e.owner);
    if (!burst || e.t - burst.last >= MIRROR_QUIET_MS) {
      // The owner's last burst ended without a tick since: its summary comes first.
      const summary = burst && summaryLine(e.owner, burst);
      if (summary) out.push(summary);
      burst = { since: e.t, last: e.t, lines: 0, conflictLines: 0, said: false, counted: noneCounted() };
      this.bursts.set(e.owner, burst);
    }
    burst.last = Math.max(burst.last, e.t);
    const conflict = e.action === 'conflict';
    if (e.t - this.windowStart >= 1000) {
      this.windowStart = e.t;
      this.windowLines = 0;
    }
    const room = conflict
      ? burst.conflictLines < MIRROR_MAX_CONFLICT_LINES
      : burst.lines < MIRROR_FIRST_LINES && this.windowLines < MIRROR_LINES_PER_SECOND;
    if (!room) {
      burst.counted[e.action] += 1;
      return out;
    }
    burst.said = true;
    if (conflict) burst.conflictLines += 1;
    else {
      burst.lines += 1;
      this.windowLines += 1;
    }
    out.push(changeLine(e));
    return out;
  }

  /** Summaries of the bursts that ended (quiet for a second) or ran 10 s since their last summary. */
  tick(now: number): Described[] {
    const out: Described[] = [];
    for (const [owner, burst] of this.bursts) {
      const ended = now - burst.last >= MIRROR_QUIET_MS;
      if (!ended && now - burst.since < MIRROR_SUMMARY_EVERY_MS) continue;
      const summary = summaryLine(owner, burst);
      if (summary) out.push(summary);
      if (ended) this.bursts.delete(owner);
      else {
        burst.since = now;
        burst.counted = noneCounted();
        burst.said = burst.said || summary !== null;
      }
    }
    return out;
  }
}

/** `s2/docs/a.txt`: where the change is under `Mirror/`. */
const where = (e: MirrorEvent) => `${e.owner}/${e.path}`;

function changeLine(e: MirrorEvent): Described {
  switch (e.action) {
    case 'added':
      return ['info', `+ ${where(e)}`];
    case 'changed':
      return ['info', `~ ${where(e)} changed`];
    case 'deleted':
      return ['info', `- ${where(e)} deleted`];
    case 'conflict':
      return ['warn', `! conflict on ${where(e)}: ${keptAs(e)}`];
  }
}

/** Where the local edit went: `kept` is a name beside the file, or a path under the owner's folder. */
function keptAs(e: MirrorEvent): string {
  if (!e.kept) return `your edit was kept aside (a .conflict- copy beside it) before ${e.owner}'s version replaced it`;
  const slash = e.path.lastIndexOf('/');
  const kept = e.kept.includes('/') || slash < 0 ? e.kept : `${e.path.slice(0, slash)}/${e.kept}`;
  return `kept your edit as Mirror/${e.owner}/${kept}`;
}

function summaryLine(owner: string, { counted, said }: Burst): Described | null {
  const total = counted.added + counted.changed + counted.deleted + counted.conflict;
  if (total === 0) return null;
  const parts = [
    counted.added ? `${counted.added.toLocaleString('en-US')} added` : '',
    counted.changed ? `${counted.changed.toLocaleString('en-US')} changed` : '',
    counted.deleted ? `${counted.deleted.toLocaleString('en-US')} deleted` : '',
    counted.conflict
      ? `${counted.conflict.toLocaleString('en-US')} conflict${counted.conflict === 1 ? '' : 's'} (your edits kept as *.conflict-*)`
      : '',
  ].filter(Boolean);
  return [
    counted.conflict ? 'warn' : 'ok',
    `mirrored ${total.toLocaleString('en-US')}${said ? ' more' : ''} from ${owner}: ${parts.join(', ')}`,
  ];
}
