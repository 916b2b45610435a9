import { closeSync, existsSync, fsyncSync, openSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { writeFileAtomic } from '../../common/atomic-file.js';
import type { MirrorEntry, MirrorMark } from '../../common/wire/mirror-messages.js';

/** A file of this peer's tree as published, with what it looked like on disk when it was (for serving it). */
export interface OwnedEntry extends MirrorEntry {
  /** The on-disk stamp it was hashed with: a file that no longer looks so is not served (it changed). */
  mtimeMs: number;
  ino: number;
  /** The version the path first appeared at (kept across a delete and re-add, see `remove`). */
  added: number;
}

interface OwnedMark extends MirrorMark {
  /** As `OwnedEntry.added`: mirrors whose version is older never saw the path, and are not told it went. */
  added: number;
  /** When it was deleted, ms since the epoch (marks are kept `markDays`). */
  at: number;
}

/** A file as the catalog sees it now, hashed. */
export interface CurrentFile {
  path: string;
  size: number;
  sha256: string;
  mtimeMs: number;
  ino: number;
}

export interface OwnerManifestOptions {
  /** Deletion marks older than this are dropped. Default 30 days. */
  markDays?: number;
  /** At most this many deletion marks are kept (the oldest go first). Default 20 000. */
  maxMarks?: number;
  now?: () => number;
}

/** What a mirror at some version is told: every current entry (`full`) or the changes after its version. */
export interface Changes {
  full: boolean;
  files: MirrorEntry[];
  deleted: MirrorMark[];
}

const DAY_MS = 24 * 3600 * 1000;
/** A change is saved within this long, plus 1 ms per 10 entries (a save writes them all: 100,000 files, 11 s). */
const SAVE_AFTER_MS = 1000;

/**
 * This peer's `shared/` tree as a versioned manifest (docs/PROTOCOL.md "Mirror"): a random epoch kept in
 * `.p2p/mirror-manifest.json` (a new one when that file is lost, so mirrors start over), a version `seq` raised by
 * every change, one entry per file with the version it changed at, and deletion marks kept long enough for absent
 * mirrors to catch up (bounded by age and count). A mirror older than `floor`, the newest mark dropped, gets the
 * full list instead and removes what is not in it. A version raised in memory may already be served: before the
 * first change after a save, a marker `mirror-manifest.json.dirty` is written (and flushed), and removed once the
 * manifest is saved; a start that finds it cannot trust the saved version and takes a new epoch.
 */
export class OwnerManifest {
  epoch = '';
  seq = 0;
  /** Versions up to this one may have lost deletion marks: a mirror at or below it gets the full list. */
  private floor = 0;
  private readonly entries = new Map<string, OwnedEntry>();
  private readonly marks = new Map<string, OwnedMark>();
  private readonly markMs: number;
  private readonly maxMarks: number;
  private readonly now: () => number;
  /** The marker of changes not yet saved is on disk. */
  private dirty = false;
  private saveTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly file: string,
    options: OwnerManifestOptions = {},
  ) {
    this.markMs = (options.markDays ?? 30) * DAY_MS;
    this.maxMarks = options.maxMarks ?? 20_000;
    this.now = options.now ?? Date.now;
    this.load();
  }

  get size(): number {
    return this.entries.size;
  }

  entry(path: string): OwnedEntry | undefined {
    return this.entries.get(path);
  }

  /** Whether the file at `path` is published with this stamp (no need to hash it again). */
  unchanged(path: string, size: number, mtimeMs: number, ino: number): OwnedEntry | undefined {
    const e = this.entries.get(path);
    return e && e.size === size && e.mtimeMs === mtimeMs && e.ino === ino ? e : undefined;
  }

  /**
   * Takes the tree as it is now: new and changed files get the next versions, files gone get deletion marks.
   * Paths in `keep` (being written or still being hashed) keep their old entry. True when something changed.
   */
  apply(current: CurrentFile[], keep: Set<string> = new Set()): boolean {
    const before = this.seq;
    const seen = new Set<string>();
    for (const f of current) {
      seen.add(f.path);
      const old = this.entries.get(f.path);
      if (old && old.sha256 === f.sha256 && old.size === f.size) {
        // Same content (touched, or copied over): only what serving checks changes, no new version.
        Object.assign(old, { mtimeMs: f.mtimeMs, ino: f.ino });
        continue;
      }
      this.markDirty();
      const seq = ++this.seq;
      const mark = this.marks.get(f.path);
      this.marks.delete(f.path);
      const added = old?.added ?? mark?.added ?? seq;
      const mtime = Math.max(0, Math.round(f.mtimeMs));
      this.entries.set(f.path, {
        path: f.path,
        size: f.size,
        sha256: f.sha256,
        mtime,
        seq,
        mtimeMs: f.mtimeMs,
        ino: f.ino,
        added,
      });
    }
    for (const [path, old] of this.entries) {
      if (seen.has(path) || keep.has(path)) continue;
      this.remove(path, old);
    }
    this.prune();
    return this.seq !== before;
  }

  /** What a mirror holding version `seq` of `epoch` needs (docs/PROTOCOL.md "Mirror"). */
  changesSince(epoch: string, seq: number): Changes {
    const entries = [...this.entries.values()];
    if (epoch !== this.epoch || seq > this.seq || seq < this.floor)
      return { full: true, files: entries.map(wireEntry), deleted: [] };
    return {
      full: false,
      files: entries.filter((e) => e.seq > seq).map(wireEntry),
      // A path that came and went after the mirror's version was never seen by it: nothing to tell.
      deleted: [...this.marks.values()]
        .filter((m) => m.seq > seq && m.added <= seq)
        .map((m) => ({ path: m.path, seq: m.seq })),
    };
  }

  /**
   * Saves soon: changes in a row make one save (a save rewrites and flushes every entry). The marker written before
   * the first change keeps a crash meanwhile safe (a new epoch at the next start).
   */
  saveSoon(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(
      () => {
        this.saveTimer = undefined;
        if (!this.save()) this.saveSoon(); // a full disk: tried again later
      },
      SAVE_AFTER_MS + this.entries.size / 10,
    );
    this.saveTimer.unref();
  }

  /** Saves now what waits to be saved (the peer stops). */
  flush(): void {
    if (!this.saveTimer) return;
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    this.save();
  }

  /** Saves the manifest; false when it could not be (a full disk: the marker stays, tried again by the caller). */
  save(): boolean {
    const marks = [...this.marks.values()];
    try {
      const text = JSON.stringify({
        epoch: this.epoch,
        seq: this.seq,
        floor: this.floor,
        entries: [...this.entries.values()],
        marks,
      });
      writeFileAtomic(this.file, text, 0o600);
    } catch {
      return false;
    }
    rmSync(this.dirtyFile, { force: true });
    this.dirty = false;
    return true;
  }

  private get dirtyFile(): string {
    return `${this.file}.dirty`;
  }

  /** Writes the marker of unsaved changes (once until the next save), flushed before any change can be served. */
  private markDirty(): void {
    if (this.dirty) return;
    const fd = openSync(this.dirtyFile, 'w', 0o600);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.dirty = true;
  }

  private remove(path: string, old: OwnedEntry): void {
    this.markDirty();
    this.entries.delete(path);
    this.marks.set(path, { path, seq: ++this.seq, added: old.added, at: this.now() });
  }

  /** Drops marks past their age or count; mirrors older than the newest dropped get the full list from then on. */
  private prune(): void {
    const oldest = this.now() - this.markMs;
    const byAge = [...this.marks.values()].sort((a, b) => a.seq - b.seq);
    const over = byAge.length - this.maxMarks;
    byAge.forEach((m, i) => {
      if (i >= over && m.at >= oldest) return;
      this.marks.delete(m.path);
      this.floor = Math.max(this.floor, m.seq);
    });
  }

  /** Reads the saved manifest; anything missing or not holding together starts a new epoch. */
  private load(): void {
    try {
      const raw = JSON.parse(readFileSync(this.file, 'utf8')) as {
        epoch: unknown;
        seq: unknown;
        floor: unknown;
        entries: OwnedEntry[];
        marks: OwnedMark[];
      };
      if (typeof raw.epoch !== 'string' || !/^[A-Za-z0-9_-]{8,64}$/.test(raw.epoch)) throw new Error('no epoch');
      if (!Number.isSafeInteger(raw.seq) || !Number.isSafeInteger(raw.floor)) throw new Error('no version');
      for (const e of raw.entries) this.entries.set(e.path, e);
      for (const m of raw.marks) this.marks.set(m.path, m);
      this.epoch = raw.epoch;
      this.seq = raw.seq as number;
      this.floor = raw.floor as number;
      // Changes after this save may have been served and lost: the entries are kept, the version is not trusted.
      if (existsSync(this.dirtyFile)) {
        this.epoch = randomBytes(12).toString('base64url');
        this.dirty = true;
      }
    } catch {
      this.entries.clear();
      this.marks.clear();
      this.epoch = randomBytes(12).toString('base64url');
      this.seq = 0;
      this.floor = 0;
    }
  }
}

function wireEntry(e: OwnedEntry): MirrorEntry {
  return { path: e.path, size: e.size, sha256: e.sha256, mtime: e.mtime, seq: e.seq };
}
