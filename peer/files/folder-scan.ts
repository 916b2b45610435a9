import { lstatSync, readdirSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { join, sep } from 'node:path';
import { entryNotice, printable } from './folder-notices.js';
import { collisionKey, pathProblem } from './relative-path.js';
import { sameStamp, stampOf, type FileStamp } from './settle-watch.js';

/** A plain file found under a scanned folder. */
export interface ScannedFile {
  /** Its path relative to the folder, `/`-separated: its name in the mesh (relative-path.ts). */
  name: string;
  /** Real path, checked to lie inside the folder. */
  real: string;
  size: number;
  stamp: FileStamp;
  /** Its collisionKey (relative-path.ts), computed once. */
  key: string;
  /** What the catalog made of it, kept as long as the file is unchanged (this same object): file-catalog.ts. */
  memo?: unknown;
}

/** One folder of the tree as last read: its files, its subfolders, what it holds but does not share. */
interface FolderRecord {
  /** The folder's inode: a folder removed and made again is another folder (its watch must be made again). */
  ino: number;
  files: Map<string, ScannedFile>;
  folders: Set<string>;
  notices: Map<string, string>;
  /** Its files in name order, kept until the folder changes (listing 100,000 files sorts only what changed). */
  sorted?: ScannedFile[];
}

/** Most names of one folder re-read one by one before the whole folder is read again instead. */
const MAX_NAMED_CHANGES = 256;

/**
 * The tree of one shared folder (`shared/`, the downloads folder, a custody folder), kept in memory so a change
 * costs a re-read of the folder it happened in, not of the whole tree (docs/ARCHITECTURE.md "Files and folders").
 * Hidden entries are skipped; a link is followed only to a file inside the folder (one leading out, or to a folder,
 * is named in a notice); a path the mesh could not carry (relative-path.ts pathProblem: too deep, too long, a
 * control character or a backslash) is named in a notice; of two paths that differ only by case or Unicode
 * normalization (collisionKey) the first in order is listed and the other named in a notice.
 */
export class FolderScan {
  private readonly records = new Map<string, FolderRecord>();
  private root: string | undefined;
  /** Folders (relative, '' for the top) to read again: every name (`all`), or only these names. */
  private readonly dirty = new Map<string, Set<string> | 'all'>();
  private listing: { files: ScannedFile[]; notices: Map<string, string> } | undefined;
  /** Something listed changed since `takeChanged` was last called. */
  private changed = true;

  constructor(
    readonly dir: string,
    /** How notices name the folder (`shared`, `Downloads`). */
    readonly label: string,
  ) {}

  /** The folder's real path once it could be read, else undefined. */
  get realRoot(): string | undefined {
    return this.root;
  }

  /** Reads the whole tree again (the periodic rescan, and the first listing). */
  full(): void {
    this.dirty.clear();
    let root: string;
    try {
      root = realpathSync(this.dir);
    } catch {
      if (this.records.size > 0 || this.root) this.touched();
      this.records.clear();
      this.root = undefined;
      return;
    }
    if (root !== this.root) {
      this.records.clear();
      this.touched();
    }
    this.root = root;
    const seen = new Set<string>();
    const walk = (rel: string) => {
      seen.add(rel);
      this.read(rel);
      for (const sub of this.records.get(rel)?.folders ?? []) walk(sub);
    };
    walk('');
    for (const rel of [...this.records.keys()]) if (!seen.has(rel)) this.forget(rel);
  }

  /** Marks a name in folder `rel` as changed (a watcher's event; `name` undefined: anything in it may have). */
  mark(rel: string, name?: string): void {
    const now = this.dirty.get(rel);
    if (now === 'all') return;
    if (name === undefined || name.includes('/') || (now?.size ?? 0) >= MAX_NAMED_CHANGES) this.dirty.set(rel, 'all');
    else this.dirty.set(rel, (now ?? new Set()).add(name));
  }

  /** Marks a listed file (by its path) to be looked at again (a file still settling). */
  markFile(path: string): void {
    const slash = path.lastIndexOf('/');
    this.mark(slash < 0 ? '' : path.slice(0, slash), path.slice(slash + 1));
  }

  /** Whether a change is waiting to be read. */
  get pending(): boolean {
    return this.dirty.size > 0;
  }

  /** Reads again what was marked; folders not yet read (or a folder not readable until now) are read whole. */
  update(): void {
    if (!this.root) return this.full();
    const dirty = [...this.dirty].sort((a, b) => a[0].length - b[0].length); // parents first: a new folder is read once
    this.dirty.clear();
    for (const [rel, names] of dirty) {
      if (rel !== '' && !this.records.has(rel)) continue; // gone, or under a folder not shared: its parent decides
      if (names === 'all') this.readTree(rel);
      else for (const name of names) this.readEntry(rel, name);
    }
  }

  /** Listed files, folder by folder in name order (the first of two colliding paths wins). */
  files(): ScannedFile[] {
    return this.flatten().files;
  }

  /** What is not shared and why, by a key that stays the same while the reason holds. */
  notices(): Map<string, string> {
    return this.flatten().notices;
  }

  /** Whether a file of that real path is listed. */
  has(real: string): boolean {
    if (!this.root || !real.startsWith(this.root + sep)) return false;
    const path = real
      .slice(this.root.length + 1)
      .split(sep)
      .join('/');
    const slash = path.lastIndexOf('/');
    return this.records.get(slash < 0 ? '' : path.slice(0, slash))?.files.has(path.slice(slash + 1)) ?? false;
  }

  /** Every folder listed, relative ('' the top) with its real path and inode (what a watcher watches). */
  folders(): { rel: string; real: string; ino: number }[] {
    if (!this.root) return [];
    return [...this.records].map(([rel, r]) => ({ rel, real: this.realOf(rel), ino: r.ino }));
  }

  /** True once after anything listed changed (files, their stamps, notices). */
  takeChanged(): boolean {
    const changed = this.changed;
    this.changed = false;
    return changed;
  }

  private touched(): void {
    this.changed = true;
    this.listing = undefined;
  }

  private realOf(rel: string): string {
    return rel === '' ? this.root! : join(this.root!, ...rel.split('/'));
  }

  /** Reads folder `rel` whole, then any subfolder it did not have before (a folder moved in, with its files). */
  private readTree(rel: string): void {
    const before = new Set(this.records.get(rel)?.folders ?? []);
    this.read(rel);
    for (const sub of this.records.get(rel)?.folders ?? []) if (!before.has(sub)) this.readTree(sub);
  }

  private read(rel: string): void {
    let entries: Dirent[];
    let ino: number;
    try {
      const real = this.realOf(rel);
      ino = statSync(real).ino;
      entries = readdirSync(real, { withFileTypes: true });
    } catch {
      if (rel === '') return this.full(); // the folder itself went: start over
      return this.forget(rel);
    }
    const old = this.records.get(rel);
    const record: FolderRecord = { ino, files: new Map(), folders: new Set(), notices: new Map() };
    for (const entry of entries) this.take(record, rel, entry.name, entry, old);
    for (const sub of old?.folders ?? []) if (!record.folders.has(sub)) this.forget(sub);
    if (old && ino === old.ino && sameRecord(old, record)) return; // unchanged: the old record (and its order) stays
    this.touched();
    this.records.set(rel, record);
  }

  /** Looks at one name of folder `rel` again: a file changed, appeared or went; a folder appeared or went. */
  private readEntry(rel: string, name: string): void {
    const record = this.records.get(rel);
    if (!record) return this.readTree(rel);
    const path = rel === '' ? name : `${rel}/${name}`;
    const before = record.files.get(name);
    const wasFolder = record.folders.has(path);
    const notice = record.notices.get(name);
    record.files.delete(name);
    record.folders.delete(path);
    record.notices.delete(name);
    record.sorted = undefined;
    this.take(record, rel, name);
    const after = record.files.get(name);
    const isFolder = record.folders.has(path);
    if (wasFolder && !isFolder) this.forget(path);
    if (isFolder && !wasFolder) this.readTree(path);
    const same =
      wasFolder === isFolder &&
      notice === record.notices.get(name) &&
      (before === after || (!!before && !!after && sameFile(before, after)));
    if (!same) this.touched();
  }

  /** Files one entry of folder `rel` into `record` (a file, a subfolder, a notice, or nothing: hidden or gone). */
  private take(record: FolderRecord, rel: string, name: string, entry?: Dirent, old?: FolderRecord): void {
    if (name.startsWith('.')) return; // hidden: never shared, on purpose
    const path = rel === '' ? name : `${rel}/${name}`;
    const full = join(this.realOf(rel), name);
    const say = (kind: Parameters<typeof entryNotice>[2]) => {
      const message = entryNotice(this.label, path, kind);
      if (message) record.notices.set(name, message);
    };
    try {
      let real = full;
      let linked = false;
      if (entry ? entry.isSymbolicLink() : isLink(full)) {
        // realpath follows links: one that leads out of the folder is not ours to serve.
        real = realpathSync(full);
        linked = true;
        if (!real.startsWith(this.root! + sep)) return say('link-out');
      }
      const st: Stats | undefined =
        entry && !linked && !entry.isFile() && !entry.isDirectory() ? undefined : statSync(real);
      if (!st) return;
      const before = old?.files.get(name);
      // A name listed before passed the check then: 100,000 names are not checked again at each rescan.
      const problem = before?.name === path ? undefined : pathProblem(path);
      if (st.isDirectory()) {
        if (linked) return say('link-folder');
        if (problem) return say(problem.includes('deeper') ? 'too-deep' : 'file');
        record.folders.add(path);
      } else if (st.isFile()) {
        if (problem) return say(/longer|deeper/.test(problem) ? 'too-deep' : 'file');
        const stamp = stampOf(st);
        const same = before && before.real === real && sameStamp(before.stamp, stamp);
        // The same object while the file is unchanged: the catalog keeps what it knows of it (file-catalog.ts).
        record.files.set(name, same ? before : { name: path, real, size: st.size, stamp, key: fastKey(path) });
      }
    } catch {
      // Dangling link or an entry removed while listing: not held.
    }
  }

  private forget(rel: string): void {
    for (const key of [...this.records.keys()]) {
      if (key === rel || key.startsWith(`${rel}/`)) {
        this.records.delete(key);
        this.touched();
      }
    }
  }

  private flatten(): { files: ScannedFile[]; notices: Map<string, string> } {
    if (this.listing) return this.listing;
    const files: ScannedFile[] = [];
    const notices = new Map<string, string>();
    const taken = new Map<string, string>();
    for (const rel of [...this.records.keys()].sort(byCodeUnit)) {
      const record = this.records.get(rel)!;
      for (const [name, message] of record.notices) notices.set(`entry ${rel}/${name}`, message);
      record.sorted ??= [...record.files.keys()].sort(byCodeUnit).map((name) => record.files.get(name)!);
      for (const file of record.sorted) {
        const key = file.key;
        const first = taken.get(key);
        if (first === undefined) {
          taken.set(key, file.name);
          files.push(file);
        } else {
          const shown = `${this.label}/${printable(file.name)}`;
          notices.set(
            `collision ${file.name}`,
            `${shown} is not shared: its name differs from ${this.label}/${printable(first)} only by case or ` +
              `accents, and some file systems cannot hold both: rename one`,
          );
        }
      }
    }
    this.listing = { files, notices };
    return this.listing;
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function sameFile(a: ScannedFile, b: ScannedFile): boolean {
  return a === b || (a.real === b.real && sameStamp(a.stamp, b.stamp));
}

/** collisionKey, without normalizing printable ASCII (its own NFC): most names, 100,000 of them at a time. */
function fastKey(path: string): string {
  return /^[\x20-\x7e]*$/.test(path) ? path.toLowerCase() : collisionKey(path);
}

function sameRecord(a: FolderRecord, b: FolderRecord): boolean {
  if (a.files.size !== b.files.size || a.folders.size !== b.folders.size || a.notices.size !== b.notices.size)
    return false;
  for (const [name, file] of a.files) {
    const other = b.files.get(name);
    if (!other || !sameFile(file, other)) return false;
  }
  for (const f of a.folders) if (!b.folders.has(f)) return false;
  for (const [name, message] of a.notices) if (b.notices.get(name) !== message) return false;
  return true;
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
