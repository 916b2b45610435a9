import { realpathSync, statSync, type Stats } from 'node:fs';
import { join, sep } from 'node:path';
import { EventEmitter } from 'eventemitter3';
import { P2pError, describeError } from '../../common/errors.js';
import { sameName } from './file-name.js';
import { printable } from './folder-notices.js';
import { FolderScan, type ScannedFile } from './folder-scan.js';
import { FolderWatcher } from './folder-watcher.js';
import { HashCache, type CacheEntry } from './hash-cache.js';
import { NameIndex } from './name-index.js';
import { pathProblem } from './relative-path.js';
import { SettleWatch, type FileStamp, type StampLike } from './settle-watch.js';
import type { Hasher } from '../content/hasher.js';
import type { Manifest } from '../content/manifest.js';
import type { PeerFolders } from './peer-folders.js';
import { pieceSizeFor } from '../content/piece-plan.js';
import type { FileEntry } from '../control/peer-events.js';

/** A file this peer holds, found in `shared/` or its downloads folder (`Downloads/` or `--downloads DIR`). */
export interface HeldFile {
  /** Its path relative to its folder, `/`-separated (`docs/report.pdf`): its name in the mesh (relative-path.ts). */
  name: string;
  /** Real path, checked to lie inside its folder. */
  path: string;
  /** Path relative to the peer's folder (absolute for a downloads folder outside it), as events report it. */
  relative: string;
  size: number;
  /** Placed whole and verified by this peer in a folder it keeps for others (a custody copy): needs no settling. */
  placed?: boolean;
}

/** Most paths one query is answered with (a bare name of several paths: the requester is told they differ). */
const MAX_ANSWERS = 4;

/** A file as listed: what it looked like, and whether it has stopped changing. */
type Entry = HeldFile & {
  stamp: FileStamp;
  settled: boolean;
  /** It was offered before it changed. */
  withdrawn: boolean;
  /** As the `files` event lists it: one object while the file is unchanged (listeners treat it as read-only). */
  shown: FileEntry;
};

/** The held files: those offered, and those still being written (offered once they settle, settle-watch.ts). */
export interface Listing {
  shared: HeldFile[];
  downloads: HeldFile[];
  settling: HeldFile[];
}

export interface FileCatalogOptions {
  /** How long a file's size and mtime must stand still before it is hashed and offered. Default 1000 ms. */
  settleMs?: number;
  /** Time from a watcher's first event to the refresh it causes (events in between join it). Default 100 ms. */
  debounceMs?: number;
  /** Period of the full rescan while the folders are watched (a watcher misses events in some bursts). Default 15 s. */
  rescanMs?: number;
  /** Period of the full rescan when the folders cannot be watched. Default 1000 ms. */
  blindRescanMs?: number;
  /** Longest a new digest waits before the digest cache is written (hash-cache.ts). Default 2000 ms. */
  saveDelayMs?: number;
}

export interface FileCatalogEvents {
  /** The listing of shared/ or Downloads/ changed (a file appeared, went, changed, or settled). */
  files: (shared: FileEntry[], downloads: FileEntry[], settling: FileEntry[]) => void;
  /** Something a user should know about the folders (a file not shared, and why), said once per change. */
  notice: (message: string, level: 'info' | 'warn') => void;
}

/**
 * The files a peer holds and their digests. Lists `shared/` and the downloads folder with their subfolders
 * (folder-scan.ts), names each file by its relative path, resolves what a user typed or a query asked for the way
 * docs/CONTRACT.md "Peer commands" says (the exact path first, then a unique base name or stem, relative-path.ts
 * nameMatch), refuses anything that is not a plain file inside its folder (`..`, absolute paths, links that lead
 * out), and caches digests on disk keyed by size, mtime and inode so a restart does not re-hash what did not change.
 * A file is hashed and offered only once it has stopped changing (settle-watch.ts); one that changes after it was
 * hashed is withdrawn until it settles again, then hashed anew.
 *
 * Once `start()`ed, changes are noticed by watching each folder (folder-watcher.ts): an event re-reads just that
 * folder within `debounceMs`, a timer refreshes when the next settling file is due, and a full rescan every
 * `rescanMs` catches what a watcher missed (docs/ARCHITECTURE.md "Files and folders"). Not started (tests, tools),
 * every `refresh()` reads both trees whole.
 */
export class FileCatalog extends EventEmitter<FileCatalogEvents> {
  private readonly cache: HashCache;
  private readonly digesting = new Map<string, Promise<Manifest>>();
  private readonly settle: SettleWatch;
  private readonly scans: FolderScan[];
  private readonly opts: Required<Omit<FileCatalogOptions, 'settleMs' | 'saveDelayMs'>>;
  /** What was said about the folders and still holds, by key: said again only once it stopped holding. */
  private said = new Map<string, string>();
  /** Paths offered once (pruned at each full rescan): one of them changing is a withdrawal, not a new file. */
  private offered = new Set<string>();
  private current: { shared: Entry[]; downloads: Entry[]; settling: Entry[] } | undefined;
  /** The current listing's files by what finds them (nameMatch level, then the NFC name), built when first asked. */
  private names: NameIndex<Entry> | undefined;
  private watchers: FolderWatcher[] | undefined;
  private fullNext = true;
  private soon: NodeJS.Timeout | undefined;
  private dueTimer: NodeJS.Timeout | undefined;
  private rescanTimer: NodeJS.Timeout | undefined;
  private vouched = false;

  constructor(
    folders: PeerFolders,
    private readonly hasher: Hasher,
    options: FileCatalogOptions = {},
  ) {
    super();
    this.settle = new SettleWatch(options.settleMs);
    this.cache = new HashCache(join(folders.state, 'hashes.json'), { saveDelayMs: options.saveDelayMs ?? 2000 });
    this.scans = [new FolderScan(folders.shared, 'shared'), new FolderScan(folders.downloads, folders.downloadsLabel)];
    this.opts = { debounceMs: 100, rescanMs: 15_000, blindRescanMs: 1000, ...options };
  }

  /** Lists both trees, then watches them and keeps the listing current (idempotent). */
  start(): void {
    if (this.watchers) return;
    this.watchers = this.scans.map((scan) => new FolderWatcher((rel, name) => this.changed(scan, rel, name)));
    this.fullNext = true;
    this.refresh();
    this.armRescan();
  }

  /** Stops watching and writes the digest cache (idempotent). Later refreshes read the trees whole. */
  stop(): void {
    for (const w of this.watchers ?? []) w.close();
    this.watchers = undefined;
    for (const t of [this.soon, this.dueTimer, this.rescanTimer]) clearTimeout(t);
    this.soon = this.dueTimer = this.rescanTimer = undefined;
    this.cache.flush();
  }

  /** Whether changes are noticed by watching every folder (false before `start`, after `stop`, or a watch failed). */
  get watching(): boolean {
    return !!this.watchers && this.watchers.every((w) => !w.broken);
  }

  /**
   * Brings the listing up to date (what changed, when watching; both trees whole otherwise) and returns it (the
   * catalog's own arrays: read-only); emits `files` when it changed since the last call (or always, `again`: something
   * else in that event changed, such as the custody copies), and `notice`s.
   */
  refresh(again = false): Listing {
    // Not started: read whole each time. Started but a watch failed: the watched folders still report, the rest is
    // read whole by the rescan every `blindRescanMs`.
    const full = this.fullNext || !this.watchers;
    this.fullNext = false;
    for (const f of this.current?.settling ?? []) this.scanOf(f)?.markFile(f.name);
    let changed = this.vouched || !this.current;
    this.vouched = false;
    this.scans.forEach((scan, i) => {
      if (full) scan.full();
      else if (scan.pending) scan.update();
      if (scan.takeChanged()) changed = true;
      this.watchers?.[i]?.sync(scan.folders(), !full);
    });
    // Time passing settles files without any change on disk.
    if (!changed && this.current!.settling.some((f) => this.settle.settled(f.path, f.stamp))) changed = true;
    if (changed) this.relist(full);
    const { shared, downloads, settling } = this.current!;
    this.speak();
    this.armDue();
    const entry = (f: Entry): FileEntry => f.shown;
    if (changed || again) this.emit('files', shared.map(entry), downloads.map(entry), settling.map(entry));
    return { shared, downloads, settling };
  }

  /** A file this peer has just placed whole (a verified download) is offered at once, without settling. */
  vouch(path: string): void {
    try {
      const real = realpathSync(path);
      this.settle.vouch(real, statSync(real));
      this.vouched = true;
      for (const scan of this.scans) {
        const root = scan.realRoot;
        if (root && real.startsWith(root + sep))
          scan.markFile(
            real
              .slice(root.length + 1)
              .split(sep)
              .join('/'),
          );
      }
    } catch {
      // gone already: nothing to vouch for
    }
  }

  /**
   * Finds a held file by what a user typed or a query asked for: the exact path in shared/ then Downloads/, else the
   * one file whose base name or stem it is (relative-path.ts nameMatch). Unsafe names throw P2P_ERR_BAD_PATH;
   * nothing found, or several paths (ambiguous: `matches` lists them), returns undefined. Only files offered are
   * found, unless `settling` (this peer's own user asking whether it holds a file).
   */
  resolve(query: string, settling = false): HeldFile | undefined {
    const found = this.matches(query, settling);
    return new Set(found.map((f) => f.name)).size === 1 ? found[0] : undefined;
  }

  /**
   * Every held file `query` names at its best match level (nameMatch), shared/ before Downloads/: one path when it
   * is exact or unique, several when a bare name is ambiguous. Unsafe names throw P2P_ERR_BAD_PATH.
   */
  matches(query: string, settling = false): HeldFile[] {
    const problem = pathProblem(query);
    if (problem) throw new P2pError('P2P_ERR_BAD_PATH', problem);
    this.refresh();
    const { shared, downloads, settling: writing } = this.current!;
    this.names ??= new NameIndex([...shared, ...downloads, ...writing]);
    return this.names.find(query, (f) => settling || f.settled);
  }

  /** What a flooded query for `query` is answered with: every path it names (several for an ambiguous bare name). */
  answers(query: string): HeldFile[] | undefined {
    const found = this.matches(query).slice(0, MAX_ANSWERS);
    return found.length > 0 ? found : undefined;
  }

  /**
   * A file of that name in `dir`, a folder this peer keeps for someone else (peer/custody/custody-store.ts): the same
   * checks as its own files (a link leading out is not served), but not offered as its own.
   */
  inFolder(dir: string, name: string): HeldFile | undefined {
    if (pathProblem(name)) return undefined;
    const scan = new FolderScan(dir, 'custody');
    scan.full();
    const found = scan.files().find((f) => f.name === name) ?? scan.files().find((f) => sameName(f.name, name));
    return found && { ...this.held(found, 'custody'), placed: true };
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
   * file with its SHA-256 (what the metadata server's index is told). A file whose listing matches its cached
   * digest is not looked at again (100,000 files cost no `stat` each time the index is told).
   */
  async warm(): Promise<(HeldFile & { sha256: string })[]> {
    this.refresh();
    const { shared, downloads } = this.current!;
    const out: (HeldFile & { sha256: string })[] = [];
    for (const file of [...shared, ...downloads]) {
      const known = this.cached(file.path, file.stamp);
      if (known) {
        out.push({ ...this.plain(file), sha256: known.manifest.sha256 });
        continue;
      }
      try {
        out.push({ ...this.plain(file), sha256: (await this.digest(file)).sha256 });
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
    return manifest;
  }

  private cached(path: string, st: StampLike): CacheEntry | undefined {
    const cached = this.cache.get(path);
    const same =
      cached?.manifest.size === st.size && cached.mtimeMs === Math.round(st.mtimeMs) && cached.ino === st.ino;
    return same ? cached : undefined;
  }

  /** A watcher saw a name change: read it again soon (the first event of a burst sets the time). */
  private changed(scan: FolderScan, rel: string, name?: string): void {
    scan.mark(rel, name);
    this.soon ??= setTimeout(() => {
      this.soon = undefined;
      this.tick();
    }, this.opts.debounceMs);
  }

  /** A refresh the catalog runs itself: a failure is said, never thrown into a timer. */
  private tick(): void {
    try {
      this.refresh();
    } catch (err) {
      this.emit('notice', `the shared folders could not be listed: ${describeError(err)}`, 'warn');
    }
  }

  private armRescan(): void {
    if (!this.watchers) return;
    const period = this.watching ? this.opts.rescanMs : this.opts.blindRescanMs;
    this.rescanTimer = setTimeout(() => {
      this.fullNext = true;
      this.tick();
      this.armRescan();
    }, period);
  }

  /** When watching, refreshes exactly when the first settling file becomes due (if it does not change again). */
  private armDue(): void {
    clearTimeout(this.dueTimer);
    this.dueTimer = undefined;
    if (!this.watchers) return;
    const dues = this.current!.settling.flatMap((f) => this.settle.dueAt(f.path, f.stamp.mtimeMs) ?? []);
    if (dues.length === 0) return;
    const wait = Math.max(0, Math.min(...dues) - Date.now()) + 5; // mtimes are whole milliseconds: a little after
    this.dueTimer = setTimeout(() => this.tick(), wait);
  }

  /**
   * Each listed file marked settled or not (the digest cache or the settle watch says so), in one pass: a listing of
   * 100,000 files is made again after every change (docs/performance.md "Shared trees").
   */
  private relist(full: boolean): void {
    const listed: [Entry[], Entry[]] = [[], []];
    const settling: Entry[] = [];
    if (full) this.offered = new Set([...this.offered].filter((p) => this.scans.some((s) => s.has(p))));
    this.scans.forEach((scan, i) => {
      for (const f of scan.files()) {
        // A file seen settled stays so until it changes, and a change is another ScannedFile (folder-scan.ts).
        let entry = f.memo as Entry | undefined;
        if (!entry?.settled) {
          const settled = this.cached(f.real, f.stamp) !== undefined || this.settle.settled(f.real, f.stamp);
          const shown = { name: f.name, size: f.size };
          entry = { ...this.held(f, scan.label), stamp: f.stamp, settled, withdrawn: this.offered.has(f.real), shown };
          f.memo = entry;
          if (settled) this.offered.add(f.real);
        }
        (entry.settled ? listed[i]! : settling).push(entry);
      }
    });
    if (full) this.settle.keepOnly(new Set([...listed[0], ...listed[1], ...settling].map((f) => f.path)));
    this.current = { shared: listed[0], downloads: listed[1], settling };
    this.names = undefined;
  }

  /** Says what is new about the folders (once per change), and remembers what was offered. */
  private speak(): void {
    const { settling } = this.current!;
    const notices = new Map<string, [string, 'info' | 'warn']>();
    for (const scan of this.scans) for (const [key, message] of scan.notices()) notices.set(key, [message, 'warn']);
    const broken = this.watchers?.find((w) => w.broken)?.broken;
    if (broken) notices.set('watch', [`${broken}: changes are found by a rescan every second instead`, 'warn']);
    const seconds = `${this.settle.settleMs / 1000} s`;
    for (const f of settling) {
      const shown = printable(f.relative);
      const message = f.withdrawn
        ? `${shown} changed: no longer offered until it has been unchanged for ${seconds}, then it is hashed again`
        : `${shown} is still being written: offered once it has been unchanged for ${seconds}`;
      notices.set(`settling ${f.path}`, [this.said.get(`settling ${f.path}`) ?? message, 'info']);
    }
    const said = new Map<string, string>();
    for (const [key, [message, level]] of notices) {
      if (!this.said.has(key)) this.emit('notice', message, level);
      said.set(key, message);
    }
    this.said = said;
  }

  private scanOf(f: HeldFile): FolderScan | undefined {
    return this.scans.find((s) => f.relative === `${s.label}/${f.name}`);
  }

  private held(f: ScannedFile, label: string): HeldFile {
    return { name: f.name, path: f.real, relative: `${label}/${f.name}`, size: f.size };
  }

  private plain({ name, path, relative, size }: Entry): HeldFile {
    return { name, path, relative, size };
  }
}
