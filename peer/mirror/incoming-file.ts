import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync, unlinkSync } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { MirrorEntry } from '../../common/wire/mirror-messages.js';

/** Files up to this size are received in memory and written at once; larger ones are streamed to a partial file. */
export const IN_MEMORY_BYTES = 1024 * 1024;

/**
 * One file arriving on a mirror connection (owner-sync.ts), from its request to its partial file: the SHA-256 is
 * taken over the bytes as they come; a small file is held in memory until whole, a large one is written in order
 * to its own partial file (`partialName`) and resumes from that file's length after a break (its bytes are hashed
 * again first): two paths with the same content never share one. Only bytes confirmed written count: a failed write (a full disk) cuts the file back to them.
 */
export class IncomingFile {
  readonly offset: number;
  /** Bytes expected after `offset` once the owner's header came (-1 before). */
  expected = -1;
  got = 0;
  /** A streamed file's running SHA-256 (a file held in memory is hashed once whole, in one call). */
  private readonly hash: Hash | undefined;
  private chunks: Buffer[] = [];
  private readonly partialPath: string | undefined;
  private handle: Promise<FileHandle> | undefined;
  private writing: Promise<void> = Promise.resolve();
  private confirmed = 0;

  constructor(
    readonly n: number,
    readonly entry: MirrorEntry,
    private readonly partialDir: string,
    owner: string,
  ) {
    if (entry.size > IN_MEMORY_BYTES) {
      this.partialPath = join(partialDir, partialName(owner, entry.path, entry.sha256));
      this.hash = createHash('sha256');
    }
    this.offset = this.partialPath ? primeFrom(this.partialPath, entry.size, this.hash!) : 0;
    this.confirmed = this.offset;
  }

  get whole(): boolean {
    return this.expected >= 0 && this.got === this.expected;
  }

  /** The owner's header: `size` bytes follow. */
  begin(size: number): void {
    this.expected = size;
    if (!this.partialPath) return;
    // A fresh partial file is created, never opened over one another request is writing.
    this.handle = open(this.partialPath, this.offset > 0 ? 'r+' : 'wx');
    this.writing = this.handle.then(() => undefined);
  }

  /** Takes the next bytes; returns the write under way for a streamed file (the caller applies backpressure). */
  take(data: Buffer): Promise<void> | undefined {
    this.hash?.update(data);
    const at = this.offset + this.got;
    this.got += data.length;
    if (!this.handle) return void this.chunks.push(data);
    const handle = this.handle;
    this.writing = this.writing.then(async () => {
      const h = await handle;
      // A nearly full disk writes short without an error: what was written counts, the rest is tried again.
      for (let done = 0; done < data.length;) {
        const { bytesWritten } = await h.write(data, done, data.length - done, at + done);
        if (bytesWritten === 0) throw Object.assign(new Error('no space left on the disk'), { code: 'ENOSPC' });
        done += bytesWritten;
        this.confirmed = at + done;
      }
    });
    return this.writing;
  }

  /** Whether the bytes (with those resumed) are the published content. */
  matches(): boolean {
    if (this.hash) return this.hash.digest('hex') === this.entry.sha256;
    const hash = createHash('sha256');
    for (const chunk of this.chunks) hash.update(chunk);
    return hash.digest('hex') === this.entry.sha256;
  }

  /** Streamed to a partial file (a large file), rather than held in memory. */
  get streamed(): boolean {
    return this.partialPath !== undefined;
  }

  /** A small file's bytes, whole. */
  bytes(): Buffer {
    const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = [];
    return data;
  }

  /** Where a small file's bytes are written before they are renamed into place (outside the final names). */
  tmpPath(owner: string): string {
    return join(this.partialDir, `${owner}-${this.n}.tmp`);
  }

  /** A large file's partial file, whole, once its writes are done; a write that failed rejects (the file is kept). */
  async written(): Promise<string> {
    const failure = await this.close(false);
    if (failure) throw failure;
    return this.partialPath!;
  }

  /**
   * Closes a streamed file once its writes are done; a write that failed is returned, and the file is cut back to
   * the bytes confirmed, so a later try resumes from whole data. `discard` removes it.
   */
  async close(discard: boolean): Promise<Error | undefined> {
    const opened = this.handle;
    this.handle = undefined;
    if (!opened || !this.partialPath) return undefined;
    const failure = await this.writing.then(
      () => undefined,
      (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
    );
    const handle = await opened.catch(() => undefined);
    if (handle && failure) await handle.truncate(this.confirmed).catch(() => undefined);
    await handle?.close().catch(() => undefined);
    if (discard) await unlink(this.partialPath).catch(() => undefined);
    return failure;
  }
}

/**
 * The partial file of `path` of `owner`'s tree with that content: `OWNER-PATHHASH-SHA256.part` (PATHHASH: the first 16
 * hex digits of the SHA-256 of the path), so identical files under two paths are written apart.
 */
export function partialName(owner: string, path: string, sha256: string): string {
  return `${owner}-${createHash('sha256').update(path).digest('hex').slice(0, 16)}-${sha256}.part`;
}

/** The owner and content a partial file is for (`partialName`), or undefined for another name. */
export function partialOf(name: string): { owner: string; sha256: string } | undefined {
  const m = /^(.+)-[0-9a-f]{16}-([0-9a-f]{64})\.part$/.exec(name);
  return m ? { owner: m[1]!, sha256: m[2]! } : undefined;
}

/**
 * Feeds `hash` with a partial file kept from an earlier try, when it is shorter than the file it becomes (`limit`);
 * returns its length, the offset to resume from (0 when there is none; one not shorter, or empty, is removed).
 */
function primeFrom(path: string, limit: number, hash: Hash): number {
  try {
    const kept = statSync(path).size < limit ? hashInto(path, hash) : 0;
    // An empty one goes too: a fresh partial file is created exclusively.
    if (kept > 0) return kept;
    unlinkSync(path);
  } catch {
    // none kept
  }
  return 0;
}

/** Feeds `hash` with the whole file at `path`, read in blocks; returns its length. */
export function hashInto(path: string, hash: Hash): number {
  const fd = openSync(path, 'r');
  try {
    const block = Buffer.allocUnsafe(4 * 1024 * 1024);
    let at = 0;
    for (let n; (n = readSync(fd, block, 0, block.length, at)) > 0; at += n) hash.update(block.subarray(0, n));
    return at;
  } finally {
    closeSync(fd);
  }
}
