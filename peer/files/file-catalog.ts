import { readdirSync, realpathSync, statSync, writeFileSync, renameSync, readFileSync, type Stats } from 'node:fs';
import { join, sep } from 'node:path';
import { EventEmitter } from 'eventemitter3';
import { P2pError } from '../../common/errors.js';
import { isSafeFileName, sameName, stemOf, fileNameProblem } from './file-name.js';
import type { Hasher } from '../content/hasher.js';
import { decodeManifest, encodeManifest, type Manifest, type ManifestJson } from '../content/manifest.js';
import type { PeerFolders } from './peer-folders.js';
import { pieceSizeFor } from '../content/piece-plan.js';
import type { FileEntry } from '../control/peer-events.js';

/** A file this peer holds, found in `shared/` or its downloads folder (`Downloads/` or `--downloads DIR`). */
export interface HeldFile {
  name: string;
  /** Real path, checked to lie inside its folder. */
  path: string;
  /** Path relative to the peer's folder (absolute for a downloads folder outside it), as events report it. */
  relative: string;
  size: number;
}

/** A cached manifest and what the file looked like when it was hashed (its size is the manifest's). */
interface CacheEntry {
  mtimeMs: number;
  ino: number;
  manifest: Manifest;
}

/** A cache entry on disk: the manifest's JSON fields, flat, beside the file's mtime and inode. */
type StoredEntry = ManifestJson & { mtimeMs: number; ino: number };

export interface FileCatalogEvents {
  /** The listing of shared/ or Downloads/ changed. */
  files: (shared: FileEntry[], downloads: FileEntry[]) => void;
}

/**
 * The files a peer holds and their digests. Resolves names the way docs/CONTRACT.md "Peer commands" says (exact name first, then a unique
 * stem), refuses anything that is not a plain file inside its folder (`..`, absolute paths, links that lead out),
 * and caches digests on disk keyed by size, mtime and inode so a restart does not re-hash what did not change.
 */
export class FileCatalog extends EventEmitter<FileCatalogEvents> {
  private cache = new Map<string, CacheEntry>();
  private readonly cacheFile: string;
  private lastListing = '';
  private digesting = new Map<string, Promise<Manifest>>();

  constructor(
    private readonly folders: PeerFolders,
    private readonly hasher: Hasher,
  ) {
    super();
    this.cacheFile = join(folders.state, 'hashes.json');
    this.loadCache();
  }

  /** Lists both folders; emits `files` when the listing changed since the last call. */
  refresh(): { shared: HeldFile[]; downloads: HeldFile[] } {
    const shared = this.listFolder(this.folders.shared, 'shared');
    const downloads = this.listFolder(this.folders.downloads, this.folders.downloadsLabel);
    const key = JSON.stringify([shared.map((f) => [f.name, f.size]), downloads.map((f) => [f.name, f.size])]);
    if (key !== this.lastListing) {
      this.lastListing = key;
      const entry = (f: HeldFile): FileEntry => ({ name: f.name, size: f.size });
      this.emit('files', shared.map(entry), downloads.map(entry));
    }
    return { shared, downloads };
  }

  /**
   * Finds a held file by what a user typed or a query asked for: an exact name in shared/ then Downloads/, else the
   * unique file whose stem it is. Unsafe names throw P2P_ERR_BAD_PATH; nothing found returns undefined.
   */
  resolve(query: string): HeldFile | undefined {
    const problem = fileNameProblem(query);
    if (problem) throw new P2pError('P2P_ERR_BAD_PATH', problem);
    const { shared, downloads } = this.refresh();
    const all = [...shared, ...downloads];
    const exact = all.find((f) => f.name === query) ?? all.find((f) => sameName(f.name, query));
    if (exact) return exact;
    const byStem = all.filter((f) => sameName(stemOf(f.name), query));
    const distinct = new Set(byStem.map((f) => f.name));
    return distinct.size === 1 ? byStem[0] : undefined;
  }

  /** The file's manifest, from the cache when the file did not change, else computed on the hashing thread. */
  async digest(file: HeldFile): Promise<Manifest> {
    const st = statSync(file.path);
    const cached = this.cache.get(file.path);
    if (
      cached &&
      cached.manifest.size === st.size &&
      cached.mtimeMs === Math.round(st.mtimeMs) &&
      cached.ino === st.ino
    )
      return cached.manifest;
    const running = this.digesting.get(file.path);
    if (running) return running;
    const job = this.compute(file.path, st).finally(() => this.digesting.delete(file.path));
    this.digesting.set(file.path, job);
    return job;
  }

  /**
   * Hashes every held file not yet in the cache, one at a time, so offers are instant later; returns every held
   * file with its SHA-256 (what the metadata server's index is told).
   */
  async warm(): Promise<(HeldFile & { sha256: string })[]> {
    const { shared, downloads } = this.refresh();
    const out: (HeldFile & { sha256: string })[] = [];
    for (const file of [...shared, ...downloads]) {
      try {
        out.push({ ...file, sha256: (await this.digest(file)).sha256 });
      } catch {
        // A file that vanished or cannot be read is skipped; it is tried again when asked for.
      }
    }
    return out;
  }

  private async compute(path: string, st: Stats): Promise<Manifest> {
    const manifest = await this.hasher.digestFile(path, pieceSizeFor(st.size));
    const after = statSync(path);
    if (after.size !== manifest.size || after.mtimeMs !== st.mtimeMs)
      throw new P2pError('P2P_ERR_TRANSFER', `${path} changed while it was hashed`);
    // Whole milliseconds, rounded as Node rounds them into a Date: what tools that set times (cp -p, utimes) reproduce.
    this.cache.set(path, { mtimeMs: Math.round(st.mtimeMs), ino: st.ino, manifest });
    this.saveCache();
    return manifest;
  }

  private listFolder(dir: string, label: string): HeldFile[] {
    let root: string;
    let names: string[];
    try {
      root = realpathSync(dir);
      names = readdirSync(dir);
    } catch {
      return [];
    }
    const out: HeldFile[] = [];
    for (const name of names.sort()) {
      if (!isSafeFileName(name)) continue;
      try {
        // realpath follows links: one that leads out of the folder is not ours to serve.
        const real = realpathSync(join(dir, name));
        if (!real.startsWith(root + sep)) continue;
        const st = statSync(real);
        if (!st.isFile()) continue;
        out.push({ name, path: real, relative: `${label}/${name}`, size: st.size });
      } catch {
        // Dangling link or a file removed while listing: not held.
      }
    }
    return out;
  }

  private loadCache(): void {
    try {
      const raw = JSON.parse(readFileSync(this.cacheFile, 'utf8')) as Record<string, Partial<StoredEntry>>;
      for (const [path, entry] of Object.entries(raw)) {
        // An entry that does not hold together is dropped (the file is hashed again when asked for).
        try {
          const { mtimeMs, ino } = entry;
          if (typeof mtimeMs === 'number' && typeof ino === 'number')
            this.cache.set(path, { mtimeMs, ino, manifest: decodeManifest(entry) });
        } catch {
          // skipped
        }
      }
    } catch {
      // No cache yet, or a damaged one: start empty; digests are recomputed on demand.
    }
  }

  private saveCache(): void {
    const tmp = `${this.cacheFile}.tmp`;
    const stored: Record<string, StoredEntry> = {};
    for (const [path, { mtimeMs, ino, manifest }] of this.cache)
      stored[path] = { ...encodeManifest(manifest), mtimeMs, ino };
    writeFileSync(tmp, JSON.stringify(stored));
    renameSync(tmp, this.cacheFile);
  }
}
