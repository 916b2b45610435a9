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

/** Saves of a book are at most this often while files arrive (and at once when a round ends or the peer stops). */
const SAVE_EVERY_MS = 1000;

/**
 * What a mirror knows of one owner (`.p2p/mirror/OWNER.jsonl`): the owner's epoch and the version applied, the tree as
 * the owner published it, and every copy this peer wrote into `Mirror/OWNER/` with its size, mtime and inode as
 * written. What is left to do is derived from the two: a published file not written with that content is to
 * fetch, a written file no longer published is to delete. So a restart, a crash or a full disk resumes where it
 * stood, and a copy edited locally is told apart from ours (mirror-writer.ts).
 */
export class MirrorBook {
  epoch = '';
  seq = 0;
  readonly published = new Map<string, MirrorEntry>();
  readonly written = new Map<string, Written>();
  private timer: NodeJS.Timeout | undefined;

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

  /** How many paths have something left to do (`todo().length`, without the list). */
  behind(): number {
    let n = 0;
    for (const path of this.published.keys()) if (this.needsFetch(path)) n++;
    for (const path of this.written.keys()) if (!this.published.has(path)) n++;
    return n;
  }

  /** Files and bytes held (written copies). */
  held(): { files: number; bytes: number } {
    let bytes = 0;
    for (const w of this.written.values()) bytes += w.size;
    return { files: this.written.size, bytes };
  }

  total(): { files: number; bytes: number } {
    let bytes = 0;
    for (const e of this.published.values()) bytes += e.size;
    return { files: this.published.size, bytes };
  }

  /**
   * Saves soon: within SAVE_EVERY_MS, later for a large book (a save writes every entry; 100,000 files: every 41 s).
   * A crash loses only records: copies written since are found with their content and replaced without a conflict.
   */
  touch(): void {
    this.timer ??= setTimeout(() => this.save(), SAVE_EVERY_MS + (this.published.size + this.written.size) / 5);
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
    try {
      const lines = text.split('\n');
      const head = JSON.parse(lines[0]!) as { epoch: unknown; seq: unknown };
      for (const line of lines.slice(1)) {
        if (!line) continue;
        const r = JSON.parse(line) as [string, string, ...unknown[]];
        if (r[0] === 'p') {
          const [, path, size, sha256, mtime, seq] = r as [string, string, number, string, number, number];
          this.published.set(path, { path, size, sha256, mtime, seq });
        } else {
          const [, path, sha256, size, mtimeMs, ino] = r as [string, string, string, number, number, number];
          this.written.set(path, { sha256, size, mtimeMs, ino });
        }
      }
      if (typeof head.epoch === 'string' && Number.isSafeInteger(head.seq))
        [this.epoch, this.seq] = [head.epoch, head.seq as number];
    } catch {
      // A damaged book: the owner sends its full tree; copies on disk are replaced when they hold the same content, kept
      // aside as conflicts otherwise (mirror-writer.ts).
      this.published.clear();
      this.written.clear();
      [this.epoch, this.seq] = ['', 0];
    }
  }
}
