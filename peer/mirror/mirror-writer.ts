import {
  closeSync,
  existsSync,
  fstatSync,
  futimesSync,
  lstatSync,
  mkdirSync,
  openSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  unlinkSync,
  utimesSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { createHash } from 'node:crypto';
import { P2pError } from '../../common/errors.js';
import { baseOf, pathParts, underRoot } from '../files/relative-path.js';
import { conflictName } from './conflict-name.js';
import type { Written } from './mirror-book.js';
import { hashInto } from './incoming-file.js';

/** What happened to a mirror copy (the `mirror` event's `action`, with `kept` for a conflict). */
export interface Outcome {
  action: 'added' | 'changed' | 'deleted' | 'conflict';
  path: string;
  /** A conflict: the name the local copy was kept under (same folder). */
  kept?: string;
}

/** The published file being installed: its content and time. */
export interface Wanted {
  sha256: string;
  mtime: number;
}

/** Whether the plain file at `path` (stat `st`) holds exactly `size` bytes of that SHA-256. */
function sameContent(path: string, st: Stats, size: number, sha256: string): boolean {
  if (!st.isFile() || st.size !== size) return false;
  const hash = createHash('sha256');
  return hashInto(path, hash) === size && hash.digest('hex') === sha256;
}

/** A copy installed: what happened, and the copy as written (for the book; its `sha256` is the caller's). */
export interface Installed {
  outcomes: Outcome[];
  written: Written;
}

/**
 * The only writer inside `Mirror/` (docs/CONTRACT.md "Mirror, discovery and bandwidth"). Every path is a checked
 * relative path placed under `Mirror/OWNER/` (relative-path.ts `underRoot`); each folder on the way is looked at
 * with lstat and a link is refused, never followed, and the real path of the folder must lie inside `Mirror/`. A
 * file arrives whole in a partial file kept in `.p2p/` (outside the final names) and is renamed into place. Before a
 * copy is replaced or deleted, it is compared with what this peer wrote (size, mtime, inode): a copy edited here is
 * first renamed aside as `NAME.conflict-…` (conflict-name.ts), never lost.
 */
export class MirrorWriter {
  readonly root: string;
  private realRoot = '';
  /** Folders checked (no link on the way) since the last `forget()`. */
  private checked = new Set<string>();

  constructor(
    root: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.root = root;
  }

  /** Creates `Mirror/` (refusing a link there) and remembers its real path. */
  ensure(): void {
    mkdirSync(this.root, { recursive: true });
    if (lstatSync(this.root).isSymbolicLink())
      throw new P2pError('P2P_ERR_BAD_PATH', `${this.root} is a link: not followed`);
    this.realRoot = realpathSync(this.root);
  }

  /** Folders may have been replaced since they were checked (a new round checks them again). */
  forget(): void {
    this.checked.clear();
  }

  /** The place of `path` of `owner`'s tree: its folders exist and are real folders inside Mirror/. */
  place(owner: string, path: string): string {
    const ownerRoot = join(this.root, owner);
    const target = underRoot(ownerRoot, path);
    if (!target) throw new P2pError('P2P_ERR_BAD_PATH', `${path} is not a path inside Mirror/${owner}`);
    let dir = this.root;
    for (const part of [owner, ...pathParts(path).slice(0, -1)]) {
      dir = join(dir, part);
      if (this.checked.has(dir)) continue;
      let st: Stats | undefined;
      try {
        st = lstatSync(dir);
      } catch {
        mkdirSync(dir);
        st = lstatSync(dir);
      }
      if (st.isSymbolicLink())
        throw new P2pError('P2P_ERR_BAD_PATH', `Mirror/${relative(this.root, dir)} is a link: not followed`);
      if (!st.isDirectory())
        throw new P2pError('P2P_ERR_BAD_PATH', `Mirror/${relative(this.root, dir)} is not a folder`);
      const real = realpathSync(dir);
      if (!real.startsWith(this.realRoot + sep)) throw new P2pError('P2P_ERR_BAD_PATH', `${dir} leads out of Mirror/`);
      this.checked.add(dir);
    }
    return target;
  }

  /**
   * Moves the verified partial file `from` to `path` of `owner`'s tree, keeping a locally edited copy aside first.
   * Returns what happened and the copy as written (for the book).
   */
  install(owner: string, path: string, from: string, entry: Wanted, had: Written | undefined): Installed {
    const target = this.place(owner, path);
    const when = new Date(entry.mtime);
    utimesSync(from, when, when);
    return this.moveInto(target, path, from, lstatSync(from), entry.sha256, had);
  }

  /**
   * A small verified file: its bytes are written to `tmp` (a partial file outside the final names) and it is then
   * installed like `install`. Synchronous on purpose: a handful of system calls per file, without a thread hop
   * each, is what keeps thousands of small files fast (docs/performance.md "Mirror").
   */
  installBytes(
    owner: string,
    path: string,
    tmp: string,
    data: Buffer,
    entry: Wanted,
    had: Written | undefined,
  ): Installed {
    const target = this.place(owner, path);
    let st: Stats;
    const fd = openSync(tmp, 'w', 0o644);
    try {
      for (let at = 0; at < data.length;) at += writeSync(fd, data, at, data.length - at);
      futimesSync(fd, entry.mtime / 1000, entry.mtime / 1000);
      st = fstatSync(fd);
    } catch (err) {
      closeSync(fd);
      rmSync(tmp, { force: true });
      throw err;
    }
    closeSync(fd);
    return this.moveInto(target, path, tmp, st, entry.sha256, had);
  }

  /** Deletes `path` of `owner`'s tree; a copy edited here is kept aside instead. Empty folders left go too. */
  remove(owner: string, path: string, had: Written | undefined): Outcome[] {
    const target = this.place(owner, path);
    this.recheck(target);
    const existing = lstatSync(target, { throwIfNoEntry: false });
    const outcomes: Outcome[] = [];
    if (existing) {
      const kept = this.keepAsideIfEdited(target, existing, had);
      if (kept) outcomes.push({ action: 'conflict', path, kept });
      else unlinkSync(target);
    }
    outcomes.push({ action: 'deleted', path });
    this.pruneFolders(join(this.root, owner), dirname(target));
    return outcomes;
  }

  /** Whether a copy on disk is exactly the one written (not edited here since). */
  static same(st: Stats, had: Written | undefined): boolean {
    return (
      had !== undefined &&
      !st.isSymbolicLink() &&
      st.size === had.size &&
      st.mtimeMs === had.mtimeMs &&
      st.ino === had.ino
    );
  }

  /** Renames `from` (whose stat is `st`: a rename keeps size, mtime and inode) onto `target`, a local edit kept aside. */
  private moveInto(
    target: string,
    path: string,
    from: string,
    st: Stats,
    sha256: string,
    had: Written | undefined,
  ): Installed {
    const outcomes: Outcome[] = [];
    this.recheck(target);
    const existing = lstatSync(target, { throwIfNoEntry: false });
    // A copy this peer wrote before its book was saved (a crash), or one put there by hand, with exactly the new
    // content is no conflict: it is simply replaced.
    if (existing && !(had === undefined && sameContent(target, existing, st.size, sha256))) {
      const kept = this.keepAsideIfEdited(target, existing, had);
      if (kept) outcomes.push({ action: 'conflict', path, kept });
    }
    renameSync(from, target);
    outcomes.push({ action: existing || had ? 'changed' : 'added', path });
    return { outcomes, written: { sha256: '', size: st.size, mtimeMs: st.mtimeMs, ino: st.ino } };
  }

  /**
   * The folder of `target` is still the one checked, by its real path, right before a rename or deletion in it: a
   * folder swapped for a link since it was checked (`place` remembers its checks for a round) is refused.
   */
  private recheck(target: string): void {
    const dir = dirname(target);
    if (realpathSync.native(dir) === join(this.realRoot, relative(this.root, dir))) return;
    this.checked.clear();
    throw new P2pError('P2P_ERR_BAD_PATH', `Mirror/${relative(this.root, dir)} was replaced by a link: not followed`);
  }

  private keepAsideIfEdited(target: string, st: Stats, had: Written | undefined): string | undefined {
    if (MirrorWriter.same(st, had)) return undefined;
    const dir = dirname(target);
    const base = baseOf(target.split(sep).join('/'));
    for (let attempt = 1; ; attempt++) {
      const kept = conflictName(base, this.now(), attempt);
      if (existsSync(join(dir, kept))) continue;
      renameSync(target, join(dir, kept));
      return kept;
    }
  }

  private pruneFolders(ownerRoot: string, dir: string): void {
    while (dir.startsWith(ownerRoot + sep)) {
      try {
        rmdirSync(dir);
      } catch {
        return; // not empty (or gone)
      }
      this.checked.delete(dir);
      dir = dirname(dir);
    }
  }
}
