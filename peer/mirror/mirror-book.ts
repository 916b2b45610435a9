import { closeSync, fsyncSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { MirrorEntry } from '../../common/wire/mirror-messages.js';
import { PEER_NAME_PATTERN } from '../../common/peer-name.js';

/** A mirror copy as this peer wrote it: a file that no longer looks so was edited here (a conflict). */
export interface Written {
  sha256: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

/** What one entry of an owner's tree costs a mirror in memory beyond its path's bytes (its record, content hash, map slot). */
export const ENTRY_OVERHEAD_BYTES = 128;

/** An entry's share of an owner's tree budget (owner-sync.ts): its path's bytes and ENTRY_OVERHEAD_BYTES. */
export function entryCost(path: string): number {
  return Buffer.byteLength(path) + ENTRY_OVERHEAD_BYTES;
}

/** Saves of a book are at most this often while files arrive (and at once when a round ends or the peer stops). */
const SAVE_EVERY_MS = 1000;

/**
 * What a mirror knows of one owner (`.p2p/mirror/OWNER.jsonl`): the owner's epoch and the version applied, the tree as
 * the owner published it, and every copy this peer wrote into `Mirror/OWNER/` with its size, mtime and inode as
 * written. What is left to do is derived from the two: a published file not written with that content is to
 * fetch, a written file no longer published is to delete. So a restart, a crash or a full disk resumes where it
 * stood, and a copy edited locally is told apart from ours (mirror-writer.ts). The two are changed only through
 * `publish`, `unpublish`, `record` and `unrecord`, which keep counters, so the status never walks every entry.
 */
export class MirrorBook {
  epoch = '';
  seq = 0;
  private readonly publishedMap = new Map<string, MirrorEntry>();
  private readonly writtenMap = new Map<string, Written>();
  /** Paths with something left to do, bytes published and held, and the tree's cost (`entryCost`). */
  private counts = { behind: 0, totalBytes: 0, heldBytes: 0, treeBytes: 0 };
  private timer: NodeJS.Timeout | undefined;
  private loading = false;

  constructor(
    readonly owner: string,
    private readonly file: string,
  ) {
    this.load();
  }

  /** Owners a book was kept for (so they are listed offline before they are seen again). */
  static owners(dir: string): string[] {
    try {
      return readdirSync(dir)
        .filter((f) => f.endsWith('.jsonl'))
        .map((f) => f.slice(0, -6))
        .filter((n) => PEER_NAME_PATTERN.test(n));
    } catch {
      return [];
    }
  }

  static fileOf(dir: string, owner: string): string {
    return join(dir, `${owner}.jsonl`);
  }

  get published(): ReadonlyMap<string, MirrorEntry> {
    return this.publishedMap;
  }

  get written(): ReadonlyMap<string, Written> {
    return this.writtenMap;
  }

  /** The owner's tree's cost in memory (`entryCost` of every published path). */
  get treeBytes(): number {
    return this.counts.treeBytes;
  }

  publish(entry: MirrorEntry): void {
    this.change(entry.path, () => {
      const old = this.publishedMap.get(entry.path);
      if (old) this.counts.totalBytes -= old.size;
      else this.counts.treeBytes += entryCost(entry.path);
      this.counts.totalBytes += entry.size;
      this.publishedMap.set(entry.path, entry);
    });
  }

  unpublish(path: string): void {
    this.change(path, () => {
      const old = this.publishedMap.get(path);
      if (!old) return;
      this.counts.totalBytes -= old.size;
      this.counts.treeBytes -= entryCost(path);
      this.publishedMap.delete(path);
    });
  }

  /** A copy written at `path` (or written again). */
  record(path: string, written: Written): void {
    this.change(path, () => {
      this.counts.heldBytes += written.size - (this.writtenMap.get(path)?.size ?? 0);
      this.writtenMap.set(path, written);
    });
  }

  unrecord(path: string): void {
    this.change(path, () => {
      this.counts.heldBytes -= this.writtenMap.get(path)?.size ?? 0;
      this.writtenMap.delete(path);
    });
  }

  /** Applies `edit` to `path`'s records, keeping the count of paths with something left to do. */
  private change(path: string, edit: () => void): void {
    const before = this.pending(path);
    edit();
    this.counts.behind += this.pending(path) - before;
    if (!this.loading) this.touch();
  }

  private pending(path: string): number {
    return this.needsFetch(path) || this.needsDelete(path) ? 1 : 0;
  }

  /** Whether the published file at `path` still needs fetching (or fetching again). */
  needsFetch(path: string): boolean {
    const want = this.published.get(path);
    return want !== undefined && this.written.get(path)?.sha256 !== want.sha256;
  }

  needsDelete(path: string): boolean {
    return this.written.has(path) && !this.published.has(path);
  }

  /** Every path with something left to do. */
  todo(): string[] {
    const out: string[] = [];
    for (const path of this.published.keys()) if (this.needsFetch(path)) out.push(path);
    for (const path of this.written.keys()) if (!this.published.has(path)) out.push(path);
    return out;
  }

  /** How many paths have something left to do (`todo().length`, from a counter). */
  behind(): number {
    return this.counts.behind;
  }

  /** Files and bytes held (written copies). */
  held(): { files: number; bytes: number } {
    return { files: this.writtenMap.size, bytes: this.counts.heldBytes };
  }

  total(): { files: number; bytes: number } {
    return { files: this.publishedMap.size, bytes: this.counts.totalBytes };
  }

  /**
   * Saves soon: within SAVE_EVERY_MS, later for a large book (a save writes every entry; 100,000 files: every 41 s).
   * A crash loses only records: copies written since are found with their content and replaced without a conflict.
   */
  touch(): void {
    this.timer ??= setTimeout(() => this.save(), SAVE_EVERY_MS + (this.published.size + this.written.size) / 5);
    this.timer.unref?.();
  }

  /**
   * Writes the book as JSON lines (a head, then one line per entry), a few thousand lines per write: a book of
   * 100,000 files is never one string in memory. A crash leaves the old book or the new one (temporary file, fsync,
   * rename); a full disk keeps the old one and tries again later.
   */
  save(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const temp = `${this.file}.tmp`;
    let fd: number | undefined;
    try {
      fd = openSync(temp, 'w', 0o600);
      const lines: string[] = [JSON.stringify({ epoch: this.epoch, seq: this.seq })];
      const flush = (last = false) => {
        if (lines.length < 2000 && !last) return;
        writeSync(fd!, lines.join('\n') + '\n');
        lines.length = 0;
      };
      for (const e of this.published.values()) {
        lines.push(JSON.stringify(['p', e.path, e.size, e.sha256, e.mtime, e.seq]));
        flush();
      }
      for (const [path, w] of this.written) {
        lines.push(JSON.stringify(['w', path, w.sha256, w.size, w.mtimeMs, w.ino]));
        flush();
      }
      flush(true);
      fsyncSync(fd);
      closeSync(fd);
      fd = undefined;
      renameSync(temp, this.file);
    } catch {
      // A full disk: the book on disk stays as last saved (copies written since are fetched again and, holding the
      // same content, replaced without a conflict, mirror-writer.ts); saved again a moment later.
      if (fd !== undefined) closeSync(fd);
      rmSync(temp, { force: true });
      this.touch();
    }
  }

  private load(): void {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return; // no book yet: the owner sends its full tree
    }
    this.loading = true;
    try {
      const lines = text.split('\n');
      const head = JSON.parse(lines[0]!) as { epoch: unknown; seq: unknown };
      for (const line of lines.slice(1)) {
        if (!line) continue;
        const r = JSON.parse(line) as [string, string, ...unknown[]];
        if (r[0] === 'p') {
          const [, path, size, sha256, mtime, seq] = r as [string, string, number, string, number, number];
          this.publish({ path, size, sha256, mtime, seq });
        } else {
          const [, path, sha256, size, mtimeMs, ino] = r as [string, string, string, number, number, number];
          this.record(path, { sha256, size, mtimeMs, ino });
        }
      }
      if (typeof head.epoch === 'string' && Number.isSafeInteger(head.seq))
        [this.epoch, this.seq] = [head.epoch, head.seq as number];
    } catch {
      // A damaged book: the owner sends its full tree; copies on disk are replaced when they hold the same content, kept
      // aside as conflicts otherwise (mirror-writer.ts).
      this.publishedMap.clear();
      this.writtenMap.clear();
      this.counts = { behind: 0, totalBytes: 0, heldBytes: 0, treeBytes: 0 };
      [this.epoch, this.seq] = ['', 0];
    }
    this.loading = false;
  }
}
