import { closeSync, existsSync, renameSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { EventEmitter } from 'eventemitter3';
import { describeError } from '../../common/errors.js';
import type { PeerMessages } from '../../common/wire/peer-messages.js';
import { DownloadSource } from './download-source.js';
import { unusedName } from '../files/file-name.js';
import type { Hasher, HashSession } from '../content/hasher.js';
import type { PartialRecord, PartialState } from '../content/partial-state.js';
import { countHeld } from '../content/partial-state.js';
import type { PeerChannel } from '../transport/peer-listener.js';
import { pieceCount, pieceLength } from '../content/piece-plan.js';

export interface SwarmOptions {
  /**
   * Pieces requested from one source and not yet received. Default 2: one arriving and one queued fills a LAN link
   * (a 1 MiB piece outlasts any LAN's round trip many times over: measured equal to 8 on loopback), and whatever is in
   * flight is lost if the requester is killed (docs/performance.md, resume).
   */
  depth?: number;
  /** Near the end, how many sources may be asked for the same missing piece. Default 2. */
  endgameCopies?: number;
  /** Pieces received but not yet written and checked before every source is paused. Default 4. */
  maxPendingWrites?: number;
  /** Least time between two `progress` events. Default 250 ms. */
  progressIntervalMs?: number;
  /** Silence from a source after which it is dropped. Default 15 000 ms. */
  idleTimeoutMs?: number;
}

export interface SourceShare {
  name: string;
  bytes: number;
  pieces: number;
  active: boolean;
}

export interface SwarmEvents {
  /** The first source started sending. */
  started: (from: string) => void;
  progress: (received: number, sources: SourceShare[]) => void;
  /** A source was added, dropped, or sent a bad piece (for the log). */
  source: (name: string, what: 'joined' | 'dropped' | 'bad-piece', detail: string) => void;
  /** Every source is gone and pieces are missing. */
  stalled: () => void;
  complete: (relative: string, sha256: string, sources: SourceShare[]) => void;
  /** The download ended without the file; `kept` bytes of verified pieces stay for a resume. */
  failed: (reason: string, kept: number) => void;
}

/** Written bytes between two background flushes to disk. */
const FLUSH_EVERY = 64 * 1024 * 1024;

export type Content = Pick<PeerMessages['offer'], 'file' | 'size' | 'sha256' | 'pieceSize' | 'pieces' | 'prefixes'>;

/**
 * A download of one content (one SHA-256) from every holder that offers it at once: each source is kept busy with
 * `depth` requested pieces, so a slow one gets fewer; a piece is checked against its own SHA-256 on arrival; a
 * source that sends a bad piece or goes away is dropped and its pieces go to the others; near the end the missing
 * pieces are asked of more than one source (endgame). Verified pieces are recorded for a resume; the file is renamed
 * into Downloads/ only when the whole file's SHA-256 matches.
 */
export class SwarmDownload extends EventEmitter<SwarmEvents> {
  readonly count: number;
  readonly sha256: string;
  private readonly hashes: Buffer;
  private readonly prefixes: Buffer;
  private have: Uint8Array;
  private held: number;
  private readonly sources = new Map<string, DownloadSource>();
  /** Every source ever used, with its contribution (dropped ones too). */
  private readonly shares = new Map<string, SourceShare>();
  /** Pieces arrived and being checked: not to be asked for again meanwhile. */
  private readonly checking = new Set<number>();
  private session: HashSession | undefined;
  /** The partial file, for writing pieces (the hashing thread has its own handle, for reading). */
  private file: FileHandle | undefined;
  /** Writes run one after another, so pieces reach the hashing thread in the order they arrived. */
  private writes: Promise<void> = Promise.resolve();
  /** Bytes written since the last flush to disk was started, and whether one is running. */
  private unflushed = 0;
  private flushing: Promise<void> | undefined;
  /** Sources offered before the partial file was open; added once it is. */
  private waiting: [string, PeerChannel][] = [];
  private pendingWrites = 0;
  private cursor = 0;
  private finished = false;
  private finalizing = false;
  private startedEmitted = false;
  private lastProgress = 0;
  /** The bitfield file, rewritten after every verified piece. */
  private haveFd: number | undefined;
  private readonly opts: Required<SwarmOptions>;

  constructor(
    readonly qid: string,
    readonly content: Content,
    private readonly downloadsDir: string,
    private readonly hasher: Hasher,
    private readonly partials: PartialState,
    options: SwarmOptions = {},
    /** The download's id in events, kept in the partial record so a resume after a restart keeps it. */
    readonly download?: string,
  ) {
    super();
    this.opts = { depth: 2, endgameCopies: 2, maxPendingWrites: 4, progressIntervalMs: 250, idleTimeoutMs: 15_000, ...options };
    this.sha256 = content.sha256;
    this.count = pieceCount(content.size, content.pieceSize);
    this.hashes = Buffer.from(content.pieces, 'base64');
    this.prefixes = Buffer.from(content.prefixes, 'base64');
    this.have = new Uint8Array(Math.ceil(this.count / 8));
    this.held = 0;
  }

  /** Bytes already verified and held. */
  get received(): number {
    let bytes = 0;
    for (let i = 0; i < this.count; i++) if (this.has(i)) bytes += pieceLength(this.content.size, this.content.pieceSize, i);
    return bytes;
  }

  get sourceCount(): number {
    return this.sources.size;
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /** Opens the partial file, resuming `record` when given; returns the bytes already held. */
  async open(record?: PartialRecord): Promise<number> {
    this.session = await this.hasher.open(this.partials.dataPath(this.sha256), this.content.size, this.content.pieceSize, this.hashes, this.prefixes, record?.have);
    this.file = await open(this.partials.dataPath(this.sha256), 'r+');
    if (this.session.resumed && record) {
      this.have = new Uint8Array(record.have);
      this.held = countHeld(this.have, this.count);
    }
    const { file, size, sha256, pieceSize } = this.content;
    this.partials.describe({ file, size, sha256, pieceSize, pieces: this.hashes, prefixes: this.prefixes, ...(this.download ? { download: this.download } : {}) });
    this.haveFd = this.partials.openHave(sha256, this.have);
    if (this.held === this.count) void this.finalize();
    for (const [name, channel] of this.waiting.splice(0)) this.addSource(name, channel);
    return this.received;
  }

  /** Does this offer describe exactly our content? */
  matches(offer: Content): boolean {
    return offer.sha256 === this.sha256 && offer.size === this.content.size && offer.pieceSize === this.content.pieceSize && offer.pieces === this.content.pieces && offer.prefixes === this.content.prefixes;
  }

  /** Adds a holder that offered our content on `channel` (the offer was already checked with `matches`). */
  addSource(name: string, channel: PeerChannel): void {
    if (!this.session && !this.finished) {
      this.waiting.push([name, channel]);
      return;
    }
    if (!channel.isOpen) {
      // It hung up while the partial file was being opened: it never becomes a source (its close already fired).
      this.emit('source', name, 'dropped', 'closed the connection before the transfer began');
      if (this.sources.size === 0 && !this.finished) this.emit('stalled');
      return;
    }
    if (this.finished || this.sources.has(name)) {
      channel.send('decline', { qid: this.qid, reason: this.finished ? 'the download is over' : 'already downloading from you' });
      channel.end();
      return;
    }
    const source = new DownloadSource(name, channel, this.qid, this.content.size, this.content.pieceSize, this.opts.idleTimeoutMs);
    this.sources.set(name, source);
    if (!this.shares.has(name)) this.shares.set(name, { name, bytes: 0, pieces: 0, active: true });
    this.shares.get(name)!.active = true;
    source.on('piece', (index, data, owned) => this.onPiece(source, index, data, owned));
    source.on('gone', (reason) => this.onGone(source, reason));
    this.emit('source', name, 'joined', `${this.sources.size} source(s)`);
    if (this.pendingWrites >= this.opts.maxPendingWrites) source.pause();
    this.schedule(source);
  }

  /** Ends the download without the file, keeping verified pieces for a resume. */
  async abort(reason: string): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    for (const [, channel] of this.waiting.splice(0)) channel.destroy();
    for (const s of [...this.sources.values()]) s.drop(reason);
    this.sources.clear();
    const session = this.session;
    this.session = undefined;
    await this.writes.catch(() => undefined);
    await this.flushing;
    await this.file?.close().catch(() => undefined);
    this.file = undefined;
    if (session) await this.hasher.close(session, false).catch(() => undefined);
    this.closeHave();
    this.emit('failed', reason, this.received);
  }

  private has(i: number): boolean {
    return (this.have[i >> 3]! & (1 << (i & 7))) !== 0;
  }

  /** Fills a source's pipe: the first missing pieces nobody was asked for, then (endgame) pieces others are slow on. */
  private schedule(source: DownloadSource): void {
    if (this.finished || this.finalizing || !source.isOpen) return;
    const free = this.opts.depth - source.inflight.size;
    if (free <= 0) return;
    const asked = this.askedCounts();
    const picks: number[] = [];
    // Plain phase: lowest missing pieces first (the whole-file hash advances in order; the disk writes sequentially).
    while (this.cursor < this.count && (this.has(this.cursor) || this.checking.has(this.cursor))) this.cursor++;
    for (let i = this.cursor; i < this.count && picks.length < free; i++) {
      if (!this.has(i) && !this.checking.has(i) && !asked.has(i)) picks.push(i);
    }
    // Endgame: nothing left that nobody was asked for; ask this source too for what is still missing.
    if (picks.length === 0) {
      for (let i = this.cursor; i < this.count && picks.length < free; i++) {
        if (this.has(i) || this.checking.has(i) || source.inflight.has(i)) continue;
        if ((asked.get(i) ?? 0) < this.opts.endgameCopies) picks.push(i);
      }
    }
    source.want(picks);
  }

  /**
   * Starts flushing written data to disk every FLUSH_EVERY bytes, in the background (libuv's pool), so the final
   * fsync before the rename (the guarantee that a power cut cannot leave a torn file under the final name) finds
   * little left to write instead of the whole file.
   */
  private flushSome(file: FileHandle, bytes: number): void {
    this.unflushed += bytes;
    if (this.unflushed < FLUSH_EVERY || this.flushing) return;
    this.unflushed = 0;
    this.flushing = file.datasync().catch(() => undefined).finally(() => (this.flushing = undefined));
  }

  private askedCounts(): Map<number, number> {
    const asked = new Map<number, number>();
    for (const s of this.sources.values()) for (const p of s.inflight) asked.set(p, (asked.get(p) ?? 0) + 1);
    return asked;
  }

  private onPiece(source: DownloadSource, index: number, data: Buffer, owned: boolean): void {
    if (this.finished) return;
    if (!this.startedEmitted) {
      this.startedEmitted = true;
      this.emit('started', source.name);
    }
    if (this.has(index) || this.checking.has(index)) {
      this.schedule(source); // an endgame duplicate: someone else delivered it
      return;
    }
    this.checking.add(index);
    for (const other of this.sources.values()) if (other !== source) other.cancel([index]);
    if (++this.pendingWrites >= this.opts.maxPendingWrites) for (const s of this.sources.values()) s.pause();
    this.schedule(source);
    const session = this.session!;
    const file = this.file!;
    const offset = index * this.content.pieceSize;
    // Write here (libuv's pool) while the hashing thread checks earlier pieces; then hand this one over. Only the
    // writes are chained (one at a time, in arrival order), so checks reach the hashing thread in that order too.
    const written = this.writes.then(() => writeAll(file, data, offset)).then(() => this.flushSome(file, data.length));
    this.writes = written.catch(() => undefined);
    written
      .then(() => this.hasher.verify(session, index, data, owned))
      .then(
        (ok) => this.onChecked(source, index, ok),
        (err) => void this.abort(diskProblem(err)),
      );
  }

  private onChecked(source: DownloadSource, index: number, ok: boolean): void {
    this.checking.delete(index);
    if (--this.pendingWrites < this.opts.maxPendingWrites) for (const s of this.sources.values()) s.resume();
    if (this.finished) return;
    if (!ok) {
      this.emit('source', source.name, 'bad-piece', `piece ${index} did not match its SHA-256: ${source.name} is excluded`);
      source.drop(`sent a bad piece (${index})`);
      if (index < this.cursor) this.cursor = index;
      for (const s of this.sources.values()) this.schedule(s);
      return;
    }
    this.have[index >> 3] = this.have[index >> 3]! | (1 << (index & 7));
    this.held++;
    const length = pieceLength(this.content.size, this.content.pieceSize, index);
    const share = this.shares.get(source.name)!;
    share.bytes += length;
    share.pieces++;
    if (this.haveFd !== undefined) this.partials.writeHave(this.haveFd, this.have);
    this.progress(false);
    if (this.held === this.count) void this.finalize();
    else for (const s of this.sources.values()) this.schedule(s);
  }

  private onGone(source: DownloadSource, reason: string): void {
    if (this.sources.get(source.name) !== source) return;
    this.sources.delete(source.name);
    const share = this.shares.get(source.name);
    if (share) share.active = false;
    if (this.finished || this.finalizing) return;
    this.emit('source', source.name, 'dropped', reason);
    // Its pieces become nobody's: rewind so they are picked first.
    for (const p of source.inflight) if (p < this.cursor) this.cursor = p;
    this.cursor = Math.min(this.cursor, ...source.inflight, this.count);
    for (const s of this.sources.values()) this.schedule(s);
    if (this.sources.size === 0) this.emit('stalled');
  }

  private async finalize(): Promise<void> {
    if (this.finalizing || this.finished) return;
    this.finalizing = true;
    try {
      const session = this.session!;
      const sha256 = await this.hasher.finish(session);
      if (sha256 !== this.sha256) {
        // Every piece checked on arrival, yet the whole does not: the disk lost something. Fetch only what is bad.
        const bad = await this.hasher.rescan(session);
        for (const i of bad) this.have[i >> 3] = this.have[i >> 3]! & ~(1 << (i & 7));
        this.held -= bad.length;
        if (this.haveFd !== undefined) this.partials.writeHave(this.haveFd, this.have);
        this.cursor = Math.min(this.cursor, ...bad);
        this.emit('source', 'disk', 'bad-piece', `the whole file did not match its SHA-256; fetching ${bad.length} piece(s) again`);
        this.finalizing = false;
        for (const s of this.sources.values()) this.schedule(s);
        if (this.sources.size === 0) this.emit('stalled');
        return;
      }
      this.finished = true;
      await this.flushing;
      await this.file?.close();
      this.file = undefined;
      await this.hasher.close(session, true); // fsync: a power cut cannot leave a torn file under the final name
      this.session = undefined;
      // Never overwrite what is stored: a name taken meanwhile gets a numbered sibling.
      const name = unusedName(this.content.file, (n) => existsSync(join(this.downloadsDir, n)));
      renameSync(this.partials.dataPath(this.sha256), join(this.downloadsDir, name));
      this.closeHave();
      this.partials.remove(this.sha256);
      for (const s of this.sources.values()) s.finish({ qid: this.qid, ok: true, reason: 'verified' });
      this.sources.clear();
      this.progress(true);
      this.emit('complete', `Downloads/${name}`, this.sha256, this.sharesList());
    } catch (err) {
      this.finalizing = false;
      this.finished = false;
      await this.abort(`could not finish the file: ${describeError(err)}`);
    }
  }

  private sharesList(): SourceShare[] {
    return [...this.shares.values()].map((s) => ({ ...s })).sort((a, b) => b.bytes - a.bytes);
  }

  private progress(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastProgress < this.opts.progressIntervalMs) return;
    this.lastProgress = now;
    this.emit('progress', this.received, this.sharesList());
  }

  private closeHave(): void {
    if (this.haveFd === undefined) return;
    closeSync(this.haveFd);
    this.haveFd = undefined;
  }
}

async function writeAll(file: FileHandle, data: Buffer, offset: number): Promise<void> {
  for (let done = 0; done < data.length; ) {
    const { bytesWritten } = await file.write(data, done, data.length - done, offset + done);
    done += bytesWritten;
  }
}

/** One sentence for a failed write; a full disk says so plainly (issue 4). */
function diskProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'the disk is full: free some space and ask for the file again to resume (verified pieces are kept)';
  return `cannot write the partial file: ${describeError(err)}`;
}
