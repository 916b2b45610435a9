import type { Stats } from 'node:fs';

/** How long a file's size and mtime must stand still before it is hashed and offered. */
export const DEFAULT_SETTLE_MS = 2000;

/** What a file looked like: a change of any of these is a change of the file. */
export interface FileStamp {
  size: number;
  /** Whole milliseconds, rounded as Node rounds them into a Date. */
  mtimeMs: number;
  ino: number;
}

export function stampOf(st: Stats): FileStamp {
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

  settled(path: string, st: Stats): boolean {
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
    return now - changedAt >= this.settleMs;
  }

  /** The file as it is now is whole (this peer verified and placed it). */
  vouch(path: string, st: Stats): void {
    this.vouched.set(path, stampOf(st));
  }

  /** Forgets files no longer listed. */
  keepOnly(paths: Set<string>): void {
    for (const map of [this.seen, this.vouched]) for (const path of map.keys()) if (!paths.has(path)) map.delete(path);
  }
}
