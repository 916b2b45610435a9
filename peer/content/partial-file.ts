import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '../../common/errors.js';
import { pathProblem } from '../files/relative-path.js';
import { placeFile } from './final-move.js';
import { Bitfield } from './bitfield.js';
import {
  decodeManifest,
  encodeManifest,
  manifestPieceLength,
  manifestPieces,
  sameContent,
  type Manifest,
} from './manifest.js';

/** What a download needs to resume: its name, its content, which pieces are held, and what was left unconfirmed. */
export interface PartialRecord {
  file: string;
  manifest: Manifest;
  /** The download's id, when it was given one (it keeps it across a restart). */
  download?: string;
  /** Pieces held: written and checked against their hash. */
  have: Bitfield;
  /** Pieces written (or being written) but not yet checked when the process stopped: check these, and only these. */
  unconfirmed: number[];
}

export interface PartialFilesOptions {
  /** Bytes written between two background flushes to disk, so the final fsync finds little left. Default 64 MiB. */
  flushEveryBytes?: number;
}

/** A download's id: the shape nanoid gives (bounded, so a foreign record cannot smuggle anything in). */
const DOWNLOAD_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Most unconfirmed pieces a record may list: far above any window of pieces being written at once. */
const MAX_UNCONFIRMED = 1024;

/**
 * `.p2p/partial/`: downloads in flight, by content. For each, `<sha256>.part` is the data (written at each piece's
 * offset, not pre-sized), `<sha256>.json` the record (name, manifest, download id; written once, atomically) and
 * `<sha256>.have` the held-piece bitfield followed by a small journal of pieces written but not yet checked
 * (`u32 n` then `n × u32`, big-endian), rewritten in place, in one write, whenever either changes. A SIGKILL
 * therefore loses no checked piece, and a resume checks only the journal's pieces against their hashes instead of
 * fetching them again (docs/performance.md, "Resume after SIGKILL"). A record that does not hold together is
 * ignored, never trusted; a held bit is only ever set after its piece was written and checked.
 */
export class PartialFiles {
  private readonly flushEvery: number;
  /** Contents whose partial file is open: one writer per content, whatever names two downloads use for it. */
  private readonly opened = new Set<string>();

  constructor(
    private readonly dir: string,
    options: PartialFilesOptions = {},
  ) {
    this.flushEvery = options.flushEveryBytes ?? 64 * 1024 * 1024;
  }

  dataPath(sha256: string): string {
    return join(this.dir, `${sha256}.part`);
  }

  /** The record for this content, or undefined when there is none or it does not hold together. */
  load(sha256: string): PartialRecord | undefined {
    try {
      const raw = JSON.parse(readFileSync(this.recordPath(sha256), 'utf8')) as Record<string, unknown>;
      const manifest = decodeManifest(raw);
      const { file, download } = raw;
      if (manifest.sha256 !== sha256 || typeof file !== 'string' || pathProblem(file)) return undefined;
      if (download !== undefined && (typeof download !== 'string' || !DOWNLOAD_ID.test(download))) return undefined;
      const { have, unconfirmed } = readHave(this.havePath(sha256), manifestPieces(manifest));
      return { file, manifest, ...(download !== undefined ? { download } : {}), have, unconfirmed };
    } catch {
      return undefined;
    }
  }

  /** Every resumable download in this folder. */
  all(): PartialRecord[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names
      .filter((n) => /^[0-9a-f]{64}\.json$/.test(n))
      .map((n) => this.load(n.slice(0, 64)))
      .filter((r): r is PartialRecord => r !== undefined);
  }

  /** When this content's record last changed (its bitfield is rewritten with every piece): ms since epoch, or 0. */
  modified(sha256: string): number {
    for (const path of [this.havePath(sha256), this.recordPath(sha256)]) {
      try {
        return Math.round(statSync(path).mtimeMs);
      } catch {
        // try the next
      }
    }
    return 0;
  }

  /** Is this content's partial file open (a download of it is running)? */
  isOpen(sha256: string): boolean {
    return this.opened.has(sha256);
  }

  /** The partial file of this content was closed: another download may open it. */
  released(sha256: string): void {
    this.opened.delete(sha256);
  }

  /** Forgets a download: its record and its data. */
  remove(sha256: string): void {
    for (const path of [this.recordPath(sha256), this.havePath(sha256), this.dataPath(sha256)])
      rmSync(path, { force: true });
  }

  /**
   * Creates the partial file of a download, or reopens it when `resume` (a record of this content) is given and its
   * data is still there. Writes the record (with `download`, else the resumed record's id).
   */
  async open(
    file: string,
    manifest: Manifest,
    options: { download?: string; resume?: PartialRecord } = {},
  ): Promise<PartialFile> {
    const sha256 = manifest.sha256;
    if (this.opened.has(sha256)) throw new Error(`the content of ${file} is already being downloaded`);
    this.opened.add(sha256);
    const path = this.dataPath(sha256);
    // Trust held bits only from a record of exactly this content whose data is still there.
    const resume =
      options.resume && sameContent(options.resume.manifest, manifest) && existsSync(path) ? options.resume : undefined;
    // A fresh start forgets any old bitfield first, so no crash can pair it with the emptied data file.
    if (!resume) rmSync(this.havePath(sha256), { force: true });
    let data: FileHandle;
    try {
      data = await open(path, resume ? 'r+' : 'w+');
    } catch (err) {
      this.opened.delete(sha256);
      throw err;
    }
    const download = options.download ?? resume?.download;
    const record = { file, ...(download !== undefined ? { download } : {}), ...encodeManifest(manifest) };
    const recordPath = this.recordPath(sha256);
    try {
      writeFileSync(`${recordPath}.tmp`, JSON.stringify(record));
      renameSync(`${recordPath}.tmp`, recordPath);
      const have = new Bitfield(manifestPieces(manifest), resume?.have.bytes);
      // A held piece must lie wholly inside the data (a power cut can keep the bitfield's update and lose the data).
      const size = (await data.stat()).size;
      for (let i = 0; i < have.length; i++) {
        if (have.has(i) && i * manifest.pieceSize + manifestPieceLength(manifest, i) > size) have.clear(i);
      }
      const haveFd = openSync(this.havePath(sha256), 'w');
      return new PartialFile(
        this,
        file,
        manifest,
        data,
        haveFd,
        have,
        resume?.unconfirmed ?? [],
        resume !== undefined,
        this.flushEvery,
      );
    } catch (err) {
      this.opened.delete(sha256);
      await data.close();
      throw err;
    }
  }

  private recordPath(sha256: string): string {
    return join(this.dir, `${sha256}.json`);
  }

  private havePath(sha256: string): string {
    return join(this.dir, `${sha256}.have`);
  }
}

/**
 * One download's partial file, open: the only writer of its data and of its record. Pieces are written at their
 * offsets as they arrive (synchronously: see `write`), flushed in the background every so often, and on `complete` flushed
 * (fsync) and renamed into the downloads folder; nothing else creates, syncs or renames it.
 */
export class PartialFile {
  readonly path: string;
  /** Pieces the hashing thread should check from disk before anything else (left unconfirmed by the last run). */
  readonly recheck: readonly number[];
  private readonly journal: Set<number>;
  private unflushed = 0;
  private flushing: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly folder: PartialFiles,
    readonly file: string,
    readonly manifest: Manifest,
    private readonly data: FileHandle,
    private haveFd: number | undefined,
    /** Held, checked pieces. */
    readonly have: Bitfield,
    unconfirmed: readonly number[],
    /** True when an earlier run's data and record were taken up. */
    readonly resumed: boolean,
    private readonly flushEvery: number,
  ) {
    this.path = folder.dataPath(manifest.sha256);
    this.recheck = unconfirmed.filter((i) => !have.has(i));
    this.journal = new Set(this.recheck);
    this.persist();
  }

  /**
   * Writes piece `index` at its offset; it is journaled as unconfirmed from now until `confirm` or `reject`. The
   * write is synchronous, on the receiving thread: a piece reaches the kernel before the next frame is even read, so
   * a SIGKILL loses only what is still on the wire (at most one piece per source: docs/performance.md "Resume after
   * SIGKILL"). Copying 1 MiB into the page cache takes a fraction of a millisecond, and the hashing thread keeps
   * checking earlier pieces meanwhile; a disk that cannot keep up slows the reads, which is backpressure.
   */
  write(index: number, bytes: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the partial file is closed'));
    this.journal.add(index);
    this.persist();
    try {
      const offset = index * this.manifest.pieceSize;
      for (let done = 0; done < bytes.length;)
        done += writeSync(this.data.fd, bytes, done, bytes.length - done, offset + done);
    } catch (err) {
      return Promise.reject(err);
    }
    this.flushSome(bytes.length);
    return Promise.resolve();
  }

  /** Piece `index` matched its hash: held. */
  confirm(index: number): void {
    this.journal.delete(index);
    this.have.set(index);
    this.persist();
  }

  /** Piece `index` did not match its hash (or was never written): not held, not unconfirmed. */
  reject(index: number): void {
    if (this.journal.delete(index)) this.persist();
  }

  /** Pieces found bad on disk after all: no longer held. */
  forget(pieces: readonly number[]): void {
    for (const i of pieces) this.have.clear(i);
    this.persist(true); // must not fail quietly: the record on disk would claim the bad pieces
  }

  /**
   * Every piece is held and the whole file matched: flush it to disk (a power cut cannot leave a torn file under the
   * final name), move it into `dir` under its name (a numbered sibling when the name is taken: nothing stored is
   * overwritten) and forget the record. Returns the name it got.
   */
  async complete(dir: string): Promise<string> {
    await this.settle();
    await this.data.sync();
    await this.data.close();
    this.closed = true;
    this.closeHave();
    // Linked into place, never renamed over anything (content/final-move.ts); copied first across file systems.
    let name: string;
    try {
      name = await placeFile(this.path, dir, this.file);
    } catch (err) {
      // Nothing moved (a full disk, a folder gone): the data and the record stay for the next try, and the content
      // is free to be asked for again.
      this.folder.released(this.manifest.sha256);
      throw err;
    }
    this.folder.remove(this.manifest.sha256);
    this.folder.released(this.manifest.sha256);
    return name;
  }

  /** Closes the file and deletes its data and record (content that cannot be trusted). */
  async discard(): Promise<void> {
    await this.close();
    this.folder.remove(this.manifest.sha256);
  }

  /** Closes the file, keeping the data and the record for a resume. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.settle();
    await this.data.close().catch(() => undefined);
    this.closeHave();
    this.folder.released(this.manifest.sha256);
  }

  private async settle(): Promise<void> {
    await this.flushing;
  }

  /**
   * Starts flushing written data to disk every `flushEvery` bytes, in the background (libuv's pool), so the final
   * fsync before the rename finds little left to write instead of the whole file.
   */
  private flushSome(bytes: number): void {
    this.unflushed += bytes;
    if (this.unflushed < this.flushEvery || this.flushing || this.closed) return;
    this.unflushed = 0;
    this.flushing = this.data
      .datasync()
      .catch(() => undefined)
      .finally(() => (this.flushing = undefined));
  }

  /**
   * Rewrites the bitfield and the journal in place: one small write (a few bytes per GiB of file). A failed write
   * is only a warning by default: a record one step behind claims less than the data holds (a piece fetched again),
   * never more. `strict` when it would claim more (pieces found bad): then the failure is the caller's.
   */
  private persist(strict = false): void {
    if (this.haveFd === undefined) return;
    const bits = this.have.bytes;
    const out = Buffer.allocUnsafe(bits.length + 4 + 4 * this.journal.size);
    out.set(bits, 0);
    out.writeUInt32BE(this.journal.size, bits.length);
    let at = bits.length + 4;
    for (const i of this.journal) at = out.writeUInt32BE(i, at);
    try {
      writeSync(this.haveFd, out, 0, out.length, 0);
    } catch (err) {
      if (strict) throw err;
      process.emitWarning(`cannot update the partial record of ${this.file}: ${describeError(err)}`);
    }
  }

  private closeHave(): void {
    if (this.haveFd === undefined) return;
    closeSync(this.haveFd);
    this.haveFd = undefined;
  }
}

/** The bitfield and journal of `<sha256>.have`; a missing or short file holds nothing, a bad journal is dropped. */
function readHave(path: string, count: number): { have: Bitfield; unconfirmed: number[] } {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch {
    return { have: new Bitfield(count), unconfirmed: [] };
  }
  const bytes = Bitfield.byteLength(count);
  if (raw.length < bytes) return { have: new Bitfield(count), unconfirmed: [] };
  const have = new Bitfield(count, raw.subarray(0, bytes));
  const unconfirmed: number[] = [];
  if (raw.length >= bytes + 4) {
    const n = raw.readUInt32BE(bytes);
    if (n <= MAX_UNCONFIRMED && raw.length >= bytes + 4 + 4 * n) {
      for (let k = 0; k < n; k++) {
        const i = raw.readUInt32BE(bytes + 4 + 4 * k);
        if (i < count && !have.has(i)) unconfirmed.push(i);
      }
    }
  }
  return { have, unconfirmed };
}
