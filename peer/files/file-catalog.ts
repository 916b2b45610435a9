import { readdirSync, realpathSync, statSync, writeFileSync, renameSync, readFileSync, type Stats } from 'node:fs';
import { join, sep } from 'node:path';
import { EventEmitter } from 'eventemitter3';
import { P2pError } from '../../common/errors.js';
import { isSafeFileName, sameName, stemOf, fileNameProblem } from './file-name.js';
import { entryNotice, printable } from './folder-notices.js';
import { SettleWatch, stampOf, type FileStamp } from './settle-watch.js';
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
  /** Placed whole and verified by this peer in a folder it keeps for others (a custody copy): needs no settling. */
  placed?: boolean;
}

/** A file as listed: what it looked like, and whether it has stopped changing. */
type Entry = HeldFile & { stamp: FileStamp; settled: boolean };

/** A cached manifest and what the file looked like when it was hashed (its size is the manifest's). */
interface CacheEntry {
  mtimeMs: number;
  ino: number;
  manifest: Manifest;
}

/** A cache entry on disk: the manifest's JSON fields, flat, beside the file's mtime and inode. */
type StoredEntry = ManifestJson & { mtimeMs: number; ino: number };

/** The held files: those offered, and those still being written (offered once they settle, settle-watch.ts). */
export interface Listing {
  shared: HeldFile[];
  downloads: HeldFile[];
  settling: HeldFile[];
}

export interface FileCatalogOptions {
  /** How long a file's size and mtime must stand still before it is hashed and offered. Default 2000 ms. */
  settleMs?: number;
}

export interface FileCatalogEvents {
  /** The listing of shared/ or Downloads/ changed (a file appeared, went, changed, or settled). */
  files: (shared: FileEntry[], downloads: FileEntry[], settling: FileEntry[]) => void;
  /** Something a user should know about the folders (a file not shared, and why), said once per change. */
  notice: (message: string, level: 'info' | 'warn') => void;
}

/**
 * The files a peer holds and their digests. Resolves names the way docs/CONTRACT.md "Peer commands" says (exact name first, then a unique
 * stem), refuses anything that is not a plain file inside its folder (`..`, absolute paths, links that lead out),
 * and caches digests on disk keyed by size, mtime and inode so a restart does not re-hash what did not change.
 * A file is hashed and offered only once it has stopped changing (settle-watch.ts); one that changes after it was
 * hashed is withdrawn until it settles again, then hashed anew.
 */
export class FileCatalog extends EventEmitter<FileCatalogEvents> {
  private cache = new Map<string, CacheEntry>();
  private readonly cacheFile: string;
  private lastListing = '';
  private digesting = new Map<string, Promise<Manifest>>();
  private readonly settle: SettleWatch;
  /** What was said about the folders and still holds, by key: said again only once it stopped holding. */
  private said = new Map<string, string>();
  /** Paths offered at the last refresh: one of them changing is a withdrawal, not a new file. */
  private offered = new Set<string>();

  constructor(
    private readonly folders: PeerFolders,
    private readonly hasher: Hasher,
    options: FileCatalogOptions = {},
  ) {
    super();
    this.settle = new SettleWatch(options.settleMs);
    this.cacheFile = join(folders.state, 'hashes.json');
    this.loadCache();
  }

  /**
   * Lists both folders; emits `files` when the listing changed since the last call (or always, `again`: something
   * else in that event changed, such as the custody copies), and `notice`s.
   */
  refresh(again = false): Listing {
    const notices = new Map<string, [string, 'info' | 'warn']>();
    const shared = this.listFolder(this.folders.shared, 'shared', notices);
    const downloads = this.listFolder(this.folders.downloads, this.folders.downloadsLabel);
    const all = [...shared, ...downloads];
    const settling = all.filter((f) => !f.settled);
    const listing = {
      shared: shared.filter((f) => f.settled),
      downloads: downloads.filter((f) => f.settled),
      settling,
    };
    this.settle.keepOnly(new Set(all.map((f) => f.path)));
    const seconds = `${this.settle.settleMs / 1000} s`;
    for (const f of settling) {
      const shown = printable(f.relative);
      const message = this.offered.has(f.path)
        ? `${shown} changed: no longer offered until it has been unchanged for ${seconds}, then it is hashed again`
        : `${shown} is still being written: offered once it has been unchanged for ${seconds}`;
      notices.set(`settling ${f.path}`, [this.said.get(`settling ${f.path}`) ?? message, 'info']);
    }
    this.offered = new Set([...listing.shared, ...listing.downloads].map((f) => f.path));
    const said = new Map<string, string>();
    for (const [key, [message, level]] of notices) {
      if (!this.said.has(key)) this.emit('notice', message, level);
      said.set(key, message);
    }
    this.said = said;
    const stamp = (f: Entry) => [f.name, f.size, f.stamp.mtimeMs, f.stamp.ino];
    const key = JSON.stringify([listing.shared.map(stamp), listing.downloads.map(stamp), settling.map((f) => f.path)]);
    if (key !== this.lastListing || again) {
      this.lastListing = key;
      const entry = (f: HeldFile): FileEntry => ({ name: f.name, size: f.size });
      this.emit('files', listing.shared.map(entry), listing.downloads.map(entry), settling.map(entry));
    }
    return listing;
  }

  /** A file this peer has just placed whole (a verified download) is offered at once, without settling. */
  vouch(path: string): void {
    try {
      const real = realpathSync(path);
      this.settle.vouch(real, statSync(real));
    } catch {
      // gone already: nothing to vouch for
    }
  }

  /**
   * Finds a held file by what a user typed or a query asked for: an exact name in shared/ then Downloads/, else the
   * unique file whose stem it is. Unsafe names throw P2P_ERR_BAD_PATH; nothing found returns undefined. Only files
   * offered are found, unless `settling` (this peer's own user asking whether it holds a file).
   */
  resolve(query: string, settling = false): HeldFile | undefined {
    const problem = fileNameProblem(query);
    if (problem) throw new P2pError('P2P_ERR_BAD_PATH', problem);
    const listing = this.refresh();
    const all = [...listing.shared, ...listing.downloads, ...(settling ? listing.settling : [])];
    const exact = all.find((f) => f.name === query) ?? all.find((f) => sameName(f.name, query));
    if (exact) return exact;
    const byStem = all.filter((f) => sameName(stemOf(f.name), query));
    const distinct = new Set(byStem.map((f) => f.name));
    return distinct.size === 1 ? byStem[0] : undefined;
  }

  /**
   * A file of that name in `dir`, a folder this peer keeps for someone else (peer/custody/custody-store.ts): the same
   * checks as its own files (a link leading out is not served), but not offered as its own.
   */
  inFolder(dir: string, name: string): HeldFile | undefined {
    if (fileNameProblem(name)) return undefined;
    const found = this.listFolder(dir, 'custody').find((f) => f.name === name || sameName(f.name, name));
    return found && { ...found, placed: true };
  }

  /** The file's manifest, from the cache when the file did not change, else computed on the hashing thread. */
  async digest(file: HeldFile): Promise<Manifest> {
    return (await this.version(file)).manifest;
  }

  /**
   * The file's manifest and what the file looked like when it was hashed (an upload checks the file still looks so,
   * upload.ts). A file that is not settled is not hashed: P2P_ERR_TRANSFER.
   */
  async version(file: HeldFile): Promise<{ manifest: Manifest; stamp: FileStamp }> {
    const st = statSync(file.path);
    const cached = this.cached(file.path, st);
    if (cached) return { manifest: cached.manifest, stamp: { size: st.size, mtimeMs: cached.mtimeMs, ino: st.ino } };
    if (!file.placed && !this.settle.settled(file.path, st))
      throw new P2pError('P2P_ERR_TRANSFER', `${printable(file.relative)} is still being written: not offered yet`);
    let running = this.digesting.get(file.path);
    if (!running) {
      running = this.compute(file.path, st).finally(() => this.digesting.delete(file.path));
      this.digesting.set(file.path, running);
    }
    const manifest = await running;
    const entry = this.cache.get(file.path)!;
    return { manifest, stamp: { size: manifest.size, mtimeMs: entry.mtimeMs, ino: entry.ino } };
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

  private cached(path: string, st: Stats): CacheEntry | undefined {
    const cached = this.cache.get(path);
    const same =
      cached?.manifest.size === st.size && cached.mtimeMs === Math.round(st.mtimeMs) && cached.ino === st.ino;
    return same ? cached : undefined;
  }

  /** The folder's plain files, each marked settled or not; with `notices`, what is not shared and why. */
  private listFolder(dir: string, label: string, notices?: Map<string, [string, 'info' | 'warn']>): Entry[] {
    let root: string;
    let names: string[];
    try {
      root = realpathSync(dir);
      names = readdirSync(dir);
    } catch {
      return [];
    }
    const out: Entry[] = [];
    const notice = (name: string, kind: 'file' | 'folder' | 'link-out') => {
      const message = notices && entryNotice(label, name, kind);
      if (message) notices.set(message, [message, 'warn']);
    };
    for (const name of names.sort()) {
      try {
        // realpath follows links: one that leads out of the folder is not ours to serve.
        const real = realpathSync(join(dir, name));
        if (!real.startsWith(root + sep)) {
          notice(name, 'link-out');
          continue;
        }
        const st = statSync(real);
        if (!st.isFile() || !isSafeFileName(name)) {
          notice(name, st.isDirectory() ? 'folder' : 'file');
          continue;
        }
        const settled = this.cached(real, st) !== undefined || this.settle.settled(real, st);
        out.push({ name, path: real, relative: `${label}/${name}`, size: st.size, stamp: stampOf(st), settled });
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
