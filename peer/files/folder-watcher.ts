import { watch, type FSWatcher } from 'node:fs';
import { describeError } from '../../common/errors.js';

/**
 * Most folders one peer watches, its trees together: each watch is an inotify watch (a per-user limit shared by every
 * process of the user, often 8,192 to a few hundred thousand) and memory in the process. A tree with more folders is
 * not watched at all; the catalog then finds changes by full rescans (`blindRescanMs`).
 */
export const MAX_WATCHED_FOLDERS = 8192;

/**
 * What the watchers of one peer share: the cap on folders watched, and the first failure of a watch (the inotify
 * limit), after which every watcher of the peer closes all its watches (a partial set would miss changes silently).
 */
export class WatchLimit {
  private readonly watchers = new Set<FolderWatcher>();
  /** Why a watch could not be made, once one could not. */
  failed: string | undefined;

  constructor(readonly maxFolders = MAX_WATCHED_FOLDERS) {}

  join(watcher: FolderWatcher): void {
    this.watchers.add(watcher);
  }

  /** Folders `watcher` may watch: the cap less what the peer's other watchers hold. */
  roomFor(watcher: FolderWatcher): number {
    let room = this.maxFolders;
    for (const other of this.watchers) if (other !== watcher) room -= other.size;
    return room;
  }
}

export interface FolderWatcherOptions {
  /** How a folder is watched: Node's `fs.watch` (tests give one that fails as the inotify limit does). */
  watchFolder?: typeof watch;
  /** Shared by the peer's watchers; default a limit of its own with MAX_WATCHED_FOLDERS. */
  limit?: WatchLimit;
}

/**
 * One non-recursive `fs.watch` per folder of a shared tree (docs/ARCHITECTURE.md "Files and folders"): Node 20's
 * recursive watch on Linux walks the whole tree synchronously, costs memory per file and lost events in bursts, so
 * each folder the scan lists is watched on its own, and the scan says which (folder-scan.ts). Events only mark a
 * name changed (`changed`); what changed is read by the scan. A watcher misses events in some bursts, so the catalog
 * also rescans the whole tree now and then. A tree with more folders than the peer's cap leaves is not watched at
 * all (watched again once it fits); when a watch cannot be made (the inotify limit), every watch of the peer is
 * closed for good. Either way `broken` says why and the catalog rescans more often instead.
 */
export class FolderWatcher {
  /** Watched folders by real path, with the inode they had: a folder made again under that path is watched anew. */
  private readonly watches = new Map<string, { watcher: FSWatcher; ino: number; rel: string }>();
  private problem: string | undefined;
  private closed = false;
  private readonly watchFolder: typeof watch;
  private readonly limit: WatchLimit;

  constructor(
    /** A name changed in folder `rel` (relative to the tree's top, '' the top); `name` undefined: anything may have. */
    private readonly changed: (rel: string, name?: string) => void,
    options: FolderWatcherOptions = {},
  ) {
    this.watchFolder = options.watchFolder ?? watch;
    this.limit = options.limit ?? new WatchLimit();
    this.limit.join(this);
  }

  /** Why this tree is not watched, if it is not (the catalog then rescans it whole more often instead). */
  get broken(): string | undefined {
    return this.problem;
  }

  get size(): number {
    return this.watches.size;
  }

  /**
   * Watches exactly these folders: new ones are watched (and, with `reread`, marked changed once, since entries made
   * between the folder's listing and its watch were not seen by it), gone ones are closed. More folders than the
   * cap leaves, or a watch that fails: none is watched.
   */
  sync(folders: readonly { rel: string; real: string; ino: number }[], reread = true): void {
    if (this.closed) return;
    if (this.limit.failed) return this.unwatchAll(this.limit.failed);
    const room = this.limit.roomFor(this);
    if (folders.length > room) {
      const cap = this.limit.maxFolders;
      return this.unwatchAll(
        `${folders.length} folders, more than the ${room < cap ? `${room} left of the ` : ''}${cap} watched at most`,
      );
    }
    this.problem = undefined;
    const wanted = new Set(folders.map((f) => f.real));
    for (const [real, w] of this.watches) if (!wanted.has(real)) this.unwatch(real, w.watcher);
    for (const { rel, real, ino } of folders) {
      const now = this.watches.get(real);
      if (now && now.ino === ino && now.rel === rel) continue;
      if (now) this.unwatch(real, now.watcher);
      try {
        const watcher = this.watchFolder(real, { persistent: false }, (_type, name) =>
          this.changed(rel, typeof name === 'string' && name.length > 0 ? name : undefined),
        );
        watcher.on('error', () => {
          // The folder went, or the watch broke: forget it; its parent's event (or the rescan) says what happened.
          this.unwatch(real, watcher);
          this.changed(rel);
        });
        this.watches.set(real, { watcher, ino, rel });
        if (reread) this.changed(rel);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') continue; // gone since it was listed: the rescan sees it
        this.limit.failed = `cannot watch ${folders.length} folders (${describeError(err)})`;
        return this.unwatchAll(this.limit.failed);
      }
    }
  }

  /** Idempotent. */
  close(): void {
    this.closed = true;
    this.unwatchAll(undefined);
  }

  private unwatchAll(problem: string | undefined): void {
    this.problem = problem;
    for (const [real, w] of this.watches) this.unwatch(real, w.watcher);
  }

  private unwatch(real: string, watcher: FSWatcher): void {
    if (this.watches.get(real)?.watcher === watcher) this.watches.delete(real);
    try {
      watcher.close();
    } catch {
      // already closed
    }
  }
}
