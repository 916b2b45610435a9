import type { Stats } from 'node:fs';

/**
 * How long a file's size and mtime must stand still before it is hashed and offered: long enough for a copy that
 * writes in bursts (a copy tool's buffer refills in milliseconds), short enough that a new file is offered (and
 * mirrored, docs/CONTRACT.md "Mirror, discovery and bandwidth") within 2 s of its last write.
 */
export const DEFAULT_SETTLE_MS = 1000;

/** What a file looked like: a change of any of these is a change of the file. */
export interface FileStamp {
  size: number;
  /** Whole milliseconds, rounded as Node rounds them into a Date. */
  mtimeMs: number;
  ino: number;
}

/** What `settled` needs of a file: a `Stats`, or a stamp taken from one. */
export type StampLike = Pick<Stats, 'size' | 'mtimeMs' | 'ino'>;

export function stampOf(st: StampLike): FileStamp {
  return { size: st.size, mtimeMs: Math.round(st.mtimeMs), ino: st.ino };
}

export function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

/**
 * Decides whether a file has stopped changing (docs/CONTRACT.md "Folders"): a file still being copied into shared/
 * must not be hashed and offered truncated. A file is settled once `settleMs` have passed since its last change,
 * which is its mtime (every write moves it), or, for an mtime in the future (another clock), since this peer first
 * saw it looking as it does. A file this peer wrote itself and vouches for (a verified download) is settled at once.
 */
export class SettleWatch {
  /** Each file's stamp as last seen, and when this peer first saw it so. */
  private readonly seen = new Map<string, { stamp: FileStamp; since: number }>();
  private readonly vouched = new Map<string, FileStamp>();

  constructor(
    readonly settleMs = DEFAULT_SETTLE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  settled(path: string, st: StampLike): boolean {
    const stamp = stampOf(st);
    const now = this.now();
    let seen = this.seen.get(path);
    if (!seen || !sameStamp(seen.stamp, stamp)) {
      seen = { stamp, since: now };
      this.seen.set(path, seen);
    }
    const vouched = this.vouched.get(path);
    if (vouched && sameStamp(vouched, stamp)) return true;
    const changedAt = st.mtimeMs <= now ? st.mtimeMs : seen.since;
    const settled = now - changedAt >= this.settleMs;
    // Settled by its mtime, it stays so whenever asked again: nothing to remember (100,000 files settle at start).
    if (settled && st.mtimeMs <= now) this.seen.delete(path);
    return settled;
  }

  /**
   * When a file seen as `settled` last saw it becomes settled if it does not change again (a time of `now()`), or
   * undefined when it is settled already or unknown: the catalog sets a timer for the earliest (file-catalog.ts).
   */
  dueAt(path: string, mtimeMs: number): number | undefined {
    const seen = this.seen.get(path);
    if (!seen) return undefined;
    const now = this.now();
    const due = (mtimeMs <= now ? mtimeMs : seen.since) + this.settleMs;
    return due > now ? due : undefined;
  }

  /** The file as it is now is whole (this peer verified and placed it). */
  vouch(path: string, st: StampLike): void {
    this.vouched.set(path, stampOf(st));
  }

  /** Forgets files no longer listed. */
  keepOnly(paths: Set<string>): void {
    for (const map of [this.seen, this.vouched]) for (const path of map.keys()) if (!paths.has(path)) map.delete(path);
  }
}
