import { readdirSync, realpathSync, statSync, writeFileSync, renameSync, readFileSync, type Stats } from 'node:fs';
import { join, sep } from 'node:path';
import { EventEmitter } from 'eventemitter3';
import { P2pError } from '../../common/errors.js';
import { isSafeFileName, stemOf, fileNameProblem } from './file-name.js';
import type { Hasher } from '../content/hasher.js';
import type { PeerFolders } from './peer-folders.js';
import { pieceSizeFor } from '../content/piece-plan.js';
import type { FileEntry } from '../control/peer-events.js';

/** A file this peer holds, found in `shared/` or `Downloads/`. */
export interface HeldFile {
  name: string;
  /** Real path, checked to lie inside its folder. */
  path: string;
  /** Path relative to the peer's folder, as events report it. */
  relative: string;
  size: number;
}

/** What an offer needs: the file's SHA-256 and the SHA-256 of each piece. */
export interface FileDigest {
  size: number;
  sha256: string;
  pieceSize: number;
  pieces: Buffer;
  prefixes: Buffer;
}

interface CacheEntry {
  size: number;
  mtimeMs: number;
  ino: number;
  pieceSize: number;
  sha256: string;
  /** Base64 of the packed piece hashes and prefix digests. */
  pieces: string;
  prefixes: string;
}

export interface FileCatalogEvents {
  /** The listing of shared/ or Downloads/ changed. */
  files: (shared: FileEntry[], downloads: FileEntry[]) => void;
}

/**
 * The files a peer holds and their digests. Resolves names the way SPEC says (exact name first, then a unique
 * stem), refuses anything that is not a plain file inside its folder (`..`, absolute paths, links that lead out),
 * and caches digests on disk keyed by size, mtime and inode so a restart does not re-hash what did not change.
 */
export class FileCatalog extends EventEmitter<FileCatalogEvents> {
  private cache = new Map<string, CacheEntry>();
  private readonly cacheFile: string;
  private lastListing = '';
  private digesting = new Map<string, Promise<FileDigest>>();

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
    const downloads = this.listFolder(this.folders.downloads, 'Downloads');
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
    const exact = all.find((f) => f.name === query);
    if (exact) return exact;
    const byStem = all.filter((f) => stemOf(f.name) === query);
    const distinct = new Set(byStem.map((f) => f.name));
    return distinct.size === 1 ? byStem[0] : undefined;
  }

  /** The file's digests, from the cache when the file did not change, else computed on the hashing thread. */
  async digest(file: HeldFile): Promise<FileDigest> {
    const st = statSync(file.path);
    const cached = this.cache.get(file.path);
    if (cached && cached.size === st.size && cached.mtimeMs === Math.round(st.mtimeMs) && cached.ino === st.ino) {
      return { size: cached.size, sha256: cached.sha256, pieceSize: cached.pieceSize, pieces: Buffer.from(cached.pieces, 'base64'), prefixes: Buffer.from(cached.prefixes, 'base64') };
    }
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

  private async compute(path: string, st: Stats): Promise<FileDigest> {
    const pieceSize = pieceSizeFor(st.size);
    const { sha256, pieces, prefixes, size } = await this.hasher.digestFile(path, pieceSize);
    const after = statSync(path);
    if (after.size !== size || after.mtimeMs !== st.mtimeMs) throw new P2pError('P2P_ERR_TRANSFER', `${path} changed while it was hashed`);
    // Whole milliseconds, rounded as Node rounds them into a Date: what tools that set times (cp -p, utimes) reproduce.
    this.cache.set(path, { size, mtimeMs: Math.round(st.mtimeMs), ino: st.ino, pieceSize, sha256, pieces: pieces.toString('base64'), prefixes: prefixes.toString('base64') });
    this.saveCache();
    return { size, sha256, pieceSize, pieces, prefixes };
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
      const raw = JSON.parse(readFileSync(this.cacheFile, 'utf8')) as Record<string, CacheEntry>;
      for (const [path, entry] of Object.entries(raw)) {
        if (entry && typeof entry.sha256 === 'string' && typeof entry.pieces === 'string' && typeof entry.prefixes === 'string') this.cache.set(path, entry);
      }
    } catch {
      // No cache yet, or a damaged one: start empty; digests are recomputed on demand.
    }
  }

  private saveCache(): void {
    const tmp = `${this.cacheFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.cache)));
    renameSync(tmp, this.cacheFile);
  }
}
