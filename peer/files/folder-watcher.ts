import { watch, type FSWatcher } from 'node:fs';
import { describeError } from '../../common/errors.js';

/**
 * One non-recursive `fs.watch` per folder of a shared tree (docs/ARCHITECTURE.md "Files and folders"): Node 20's
 * recursive watch on Linux walks the whole tree synchronously, costs memory per file and lost events in bursts, so
 * each folder the scan lists is watched on its own, and the scan says which (folder-scan.ts). Events only mark a
 * name changed (`changed`); what changed is read by the scan. A watcher misses events in some bursts, so the catalog
 * also rescans the whole tree now and then; when a watch cannot be made (the inotify limit), `broken` says why and
 * the catalog rescans often instead.
 */
export class FolderWatcher {
  /** Watched folders by real path, with the inode they had: a folder made again under that path is watched anew. */
  private readonly watches = new Map<string, { watcher: FSWatcher; ino: number; rel: string }>();
  private problem: string | undefined;
  private closed = false;

  constructor(
    /** A name changed in folder `rel` (relative to the tree's top, '' the top); `name` undefined: anything may have. */
    private readonly changed: (rel: string, name?: string) => void,
    /** How a folder is watched: Node's `fs.watch` (tests give one that fails as the inotify limit does). */
    private readonly watchFolder: typeof watch = watch,
  ) {}

  /** Why watching failed, if it did (the catalog then rescans every second instead). */
  get broken(): string | undefined {
    return this.problem;
  }

  get size(): number {
    return this.watches.size;
  }

  /**
   * Watches exactly these folders: new ones are watched (and, with `reread`, marked changed once, since entries made
   * between the folder's listing and its watch were not seen by it), gone ones are closed.
   */
  sync(folders: readonly { rel: string; real: string; ino: number }[], reread = true): void {
    if (this.closed) return;
    const wanted = new Set(folders.map((f) => f.real));
    for (const [real, w] of this.watches) if (!wanted.has(real)) this.unwatch(real, w.watcher);
    for (const { rel, real, ino } of folders) {
      const now = this.watches.get(real);
      if (now && now.ino === ino && now.rel === rel) continue;
      if (now) this.unwatch(real, now.watcher);
      if (this.problem) continue;
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
        this.problem = `cannot watch ${folders.length} folders (${describeError(err)})`;
      }
    }
  }

  /** Idempotent. */
  close(): void {
    this.closed = true;
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
