import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { decodeManifest, encodeManifest, type Manifest, type ManifestJson } from '../content/manifest.js';

/** A cached manifest and what the file looked like when it was hashed (its size is the manifest's). */
export interface CacheEntry {
  mtimeMs: number;
  ino: number;
  manifest: Manifest;
}

/** A cache entry on disk: the manifest's JSON fields, flat, beside the file's mtime and inode. */
type StoredEntry = ManifestJson & { mtimeMs: number; ino: number };

export interface HashCacheOptions {
  /** Longest a new digest waits before the cache file is written. Default 2000 ms. */
  saveDelayMs?: number;
}

/**
 * The digest cache (`.p2p/hashes.json`), by real path: so a restart does not hash again what did not change. Written
 * at most once per `saveDelayMs` and at `flush()` (the peer stopping), never once per file: hashing 10,000 files
 * wrote the whole cache 10,000 times (docs/performance.md "Shared trees"). A digest lost by a crash before the write
 * is only computed again.
 */
export class HashCache {
  private readonly entries = new Map<string, CacheEntry>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly file: string,
    private readonly options: HashCacheOptions = {},
  ) {
    this.load();
  }

  get(path: string): CacheEntry | undefined {
    return this.entries.get(path);
  }

  set(path: string, entry: CacheEntry): void {
    this.entries.set(path, entry);
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.options.saveDelayMs ?? 2000);
    this.timer.unref(); // a process ending on its own is not held up; the peer flushes when it stops
  }

  /** Writes pending digests now (idempotent; also when the peer stops). */
  flush(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const stored: Record<string, StoredEntry> = {};
    for (const [path, { mtimeMs, ino, manifest }] of this.entries)
      stored[path] = { ...encodeManifest(manifest), mtimeMs, ino };
    const tmp = `${this.file}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(stored));
      renameSync(tmp, this.file);
    } catch {
      // The state folder went (the peer's folder was removed under it): the digests are computed again next time.
    }
  }

  private load(): void {
    try {
      const raw = JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, Partial<StoredEntry>>;
      for (const [path, entry] of Object.entries(raw)) {
        // An entry that does not hold together is dropped (the file is hashed again when asked for).
        try {
          const { mtimeMs, ino } = entry;
          if (typeof mtimeMs === 'number' && typeof ino === 'number')
            this.entries.set(path, { mtimeMs, ino, manifest: decodeManifest(entry) });
        } catch {
          // skipped
        }
      }
    } catch {
      // No cache yet, or a damaged one: start empty; digests are recomputed on demand.
    }
  }
}
