import { EventEmitter } from 'eventemitter3';
import { describeError } from '../../common/errors.js';
import { DownloadSource } from './download-source.js';
import type { Hasher, HashSession } from '../content/hasher.js';
import { manifestPieceLength, manifestPieces, sameContent, type Manifest } from '../content/manifest.js';
import type { PartialFile, PartialFiles, PartialRecord } from '../content/partial-file.js';
import { PiecePicker } from '../content/piece-picker.js';
import { declineOffer } from './ask-holder.js';
import { decodeHave } from './availability.js';

import type { Bitfield } from '../content/bitfield.js';
import { diskProblem } from './disk-problem.js';
import { StarvedSources } from './starved-sources.js';
import { sourceLimitProblem } from './offer-limits.js';
import type { PeerChannel } from '../transport/peer-listener.js';
import type { Content, SourceShare, SwarmEvents, SwarmOptions } from './swarm-types.js';

export type { Content, SourceShare, SwarmEvents, SwarmOptions } from './swarm-types.js';

/** A full holder is spared pieces that downloaders have while one delivered within this time (piece-picker.ts). */
const SPARE_HOLDERS_MS = 2000;

/**
 * A download of one content (one SHA-256) from every holder that offers it at once: a PiecePicker chooses what to
 * ask of each source; a piece is written to the PartialFile and checked against its own SHA-256 on the hashing
 * thread; a source that sends a bad piece or goes away is dropped and its pieces go to the others. Verified pieces
 * are recorded for a resume; the file is renamed into Downloads/ only when the whole file's SHA-256 matches.
 */
export class SwarmDownload extends EventEmitter<SwarmEvents> {
  readonly count: number;
  readonly sha256: string;
  private readonly sources = new Map<string, DownloadSource>();
  /** Every source ever used, with its contribution (dropped ones too). */
  private readonly shares = new Map<string, SourceShare>();
  private picker: PiecePicker | undefined;
  private session: HashSession | undefined;
  private partial: PartialFile | undefined;
  /** Checks are handed to the hashing thread one after another, in the order the pieces arrived. */
  private handoff: Promise<void> = Promise.resolve();
  /** Sources offered before the partial file was open; added once it is. */
  private waiting: [string, PeerChannel, string | undefined][] = [];
  private pendingWrites = 0;
  private finished = false;
  private finalizing = false;
  /** The finished file waits for this before it is placed; false discards it instead (set by downloads.ts). */
  placement: Promise<boolean> = Promise.resolve(true);
  /** Aborted with `discard` (a `cancel --discard` may come while the partial file is still being opened). */
  private discarded = false;
  private startedEmitted = false;
  private lastProgress = 0;
  /** Calls `schedule` again once an endgame copy may be asked for, or the rate cap allows. */
  private endgameTimer: NodeJS.Timeout | undefined;
  private starved: StarvedSources | undefined; // drops sources still downloading that hold nothing we miss
  private notBefore = 0; // a rate cap's: no piece is asked for before this (SwarmOptions.pace)
  private readonly opts: Required<SwarmOptions>;

  constructor(
    readonly qid: string,
    readonly content: Content,
    private readonly downloadsDir: string,
    private readonly hasher: Hasher,
    private readonly partials: PartialFiles,
    options: SwarmOptions = {},
    /** The download's id, kept in the partial record across restarts. */
    private readonly download?: string,
  ) {
    super();
    this.opts = {
      depth: 1,
      endgameCopies: 2,
      endgameAfterMs: 500,
      maxPendingWrites: 4,
      progressIntervalMs: 250,
      idleTimeoutMs: 15_000,
      keepaliveMs: 5000,
      starvedAfterMs: 10_000,
      pace: () => 0,
      ...options,
    };
    this.sha256 = content.manifest.sha256;
    this.count = manifestPieces(content.manifest);
  }

  /** Bytes already verified and held. */
  get received(): number {
    const have = this.partial?.have;
    let bytes = 0;
    if (have)
      for (let i = 0; i < this.count; i++) if (have.has(i)) bytes += manifestPieceLength(this.content.manifest, i);
    return bytes;
  }

  get sourceCount(): number {
    return this.sources.size;
  }

  hasSource(name: string): boolean {
    return this.sources.has(name);
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /** Every piece is held and the whole file is being checked and moved into place: no source is needed any more. */
  get isFinalizing(): boolean {
    return this.finalizing || (this.partial?.have.full ?? false);
  }

  /**
   * Opens the partial file, resuming `record` when given (its unconfirmed pieces are checked from disk first, not
   * fetched again); returns the bytes already held. An `abort` meanwhile waits for it, so its `failed` comes once the
   * partial file is released (the same content may then be asked for again at once).
   */
  open(record?: PartialRecord): Promise<number> {
    const opening = this.openPartial(record);
    this.handoff = opening.then(
      () => undefined,
      () => undefined,
    );
    return opening;
  }

  private async openPartial(record?: PartialRecord): Promise<number> {
    const partial = await this.partials.open(this.content.file, this.content.manifest, {
      ...(this.download ? { download: this.download } : {}),
      ...(record ? { resume: record } : {}),
    });
    if (this.finished) {
      await (this.discarded ? partial.discard() : partial.close()); // aborted while the file was being opened
      throw new Error('the download ended while its partial file was being opened');
    }
    try {
      this.session = await this.hasher.open(partial.path, this.content.manifest, partial.have, partial.recheck);
    } catch (err) {
      await partial.close();
      throw err;
    }
    if (this.finished) {
      await this.hasher.close(this.session).catch(() => undefined);
      this.session = undefined;
      await (this.discarded ? partial.discard() : partial.close());
      throw new Error('the download ended while its partial file was being opened');
    }
    this.partial = partial;
    for (const i of partial.recheck) {
      if (this.session.recovered.includes(i)) partial.confirm(i);
      else partial.reject(i);
    }
    const { depth, endgameCopies, endgameAfterMs } = this.opts;
    const spareHoldersMs = SPARE_HOLDERS_MS;
    this.picker = new PiecePicker(partial.have, { depth, endgameCopies, endgameAfterMs, spareHoldersMs });
    const useful = (name: string) => this.picker!.canSupply(name);
    const dropAll = (why: string) => this.isFinalizing || [...this.sources.values()].forEach((s) => s.drop(why));
    this.starved = new StarvedSources(this.opts.starvedAfterMs, () => this.sources.keys(), useful, dropAll);
    if (partial.have.full) void this.finalize();
    for (const [name, channel, have] of this.waiting.splice(0)) this.addSource(name, channel, have);
    return this.received;
  }

  /** The partial file and its verified pieces while they may be served (docs/PROTOCOL.md "Swarming"). */
  get servable(): { path: string; have: Bitfield } | undefined {
    const partial = this.partial;
    return partial && !this.finished && !this.finalizing ? { path: partial.path, have: partial.have } : undefined;
  }

  /** Does this offer describe exactly our content? */
  matches(manifest: Manifest): boolean {
    return sameContent(manifest, this.content.manifest);
  }

  /**
   * Adds a holder that offered our content on `channel` (the offer was already checked with `matches`); `have` is
   * its offer's bitfield when it is still downloading (docs/PROTOCOL.md "Swarming").
   */
  addSource(name: string, channel: PeerChannel, have?: string): void {
    const full = sourceLimitProblem(this.sources.size + this.waiting.length);
    if (full && !this.finished && !this.sources.has(name)) {
      this.emit('source', name, 'dropped', `declined: ${full}`);
      return declineOffer(channel, this.qid, full);
    }
    if (!this.session && !this.finished) {
      this.waiting.push([name, channel, have]);
      return;
    }
    if (!channel.isOpen) {
      // It hung up while the partial file was being opened: it never becomes a source (its close already fired).
      this.emit('source', name, 'dropped', 'closed the connection before the transfer began');
      if (this.sources.size === 0 && !this.finished) this.emit('stalled');
      return;
    }
    if (this.finished || this.sources.has(name))
      return declineOffer(channel, this.qid, this.finished ? 'the download is over' : 'already downloading from you');
    const available = have === undefined ? undefined : decodeHave(have, this.count);
    if (typeof available === 'string') return declineOffer(channel, this.qid, available);
    const { size, pieceSize } = this.content.manifest;
    const source = new DownloadSource(
      name,
      channel,
      this.qid,
      size,
      pieceSize,
      this.opts.idleTimeoutMs,
      this.opts.keepaliveMs,
      available !== undefined,
    );
    this.sources.set(name, source);
    if (!this.shares.has(name)) this.shares.set(name, { name, bytes: 0, pieces: 0, active: true });
    this.shares.get(name)!.active = true;
    source.on('piece', (index, data, owned) => this.onPiece(source, index, data, owned));
    source.on('gone', (reason) => this.onGone(source, reason));
    source.on('have', (pieces) => this.picker!.announce(name, pieces).length > 0 && this.schedule(source));
    source.on('peers', (peers) => this.emit('peers', name, peers));
    this.picker!.addSource(name, available);
    this.emit('source', name, 'joined', `${this.sources.size} source(s)`);
    if (this.pendingWrites >= this.opts.maxPendingWrites) source.pause();
    this.schedule(source);
  }

  /**
   * Ends the download without the file, keeping verified pieces for a resume (or deleting them, `discard`, when
   * they cannot be trusted). Does nothing while the finished file is being checked and moved into place: that
   * ends on its own, and calls this itself if it fails.
   */
  async abort(reason: string, discard = false): Promise<void> {
    if (this.finished || this.finalizing) return;
    this.finished = true;
    this.discarded = discard;
    clearTimeout(this.endgameTimer);
    this.starved?.stop();
    for (const [, channel] of this.waiting.splice(0)) channel.destroy();
    for (const s of [...this.sources.values()]) s.drop(reason);
    this.sources.clear();
    const session = this.session;
    this.session = undefined;
    await this.handoff;
    const kept = discard ? 0 : this.received;
    await (discard ? this.partial?.discard() : this.partial?.close());
    if (session) await this.hasher.close(session).catch(() => undefined);
    this.emit('failed', reason, kept);
  }

  /** Fills a source's window: later while a rate cap says wait; idle near the end, again once others are overdue. */
  private schedule(source: DownloadSource): void {
    if (this.finished || this.finalizing || !source.isOpen || !this.picker) return;
    if (this.notBefore > Date.now()) return this.later(this.notBefore - Date.now());
    const picks = this.picker.pick(source.name, Date.now());
    source.want(picks);
    const idle = picks.length === 0 && this.picker.inflightAt(source.name).size < this.opts.depth;
    if (idle && this.picker.waitingForEndgame) this.later(this.opts.endgameAfterMs);
  }

  /** Calls `schedule` for every source once `ms` went by (one such timer at a time). */
  private later(ms: number): void {
    if (this.endgameTimer) return;
    this.endgameTimer = setTimeout(() => {
      this.endgameTimer = undefined;
      for (const s of this.sources.values()) this.schedule(s);
    }, ms).unref();
  }

  private onPiece(source: DownloadSource, index: number, data: Buffer, owned: boolean): void {
    if (this.finished) return;
    if (!this.startedEmitted) {
      this.startedEmitted = true;
      this.emit('started', source.name);
    }
    const { fresh, cancel } = this.picker!.arrived(source.name, index, Date.now());
    if (!fresh) {
      this.schedule(source); // an endgame duplicate: someone else delivered it
      return;
    }
    for (const name of cancel) this.sources.get(name)?.cancel([index]);
    if (++this.pendingWrites >= this.opts.maxPendingWrites) for (const s of this.sources.values()) s.pause();
    this.notBefore = Date.now() + this.opts.pace(data.length);
    this.schedule(source);
    const session = this.session!;
    // Written now, before the next frame is read (PartialFile.write), while the hashing thread checks earlier
    // pieces; each is handed over in arrival order (the running whole-file hash advances in order).
    const written = this.partial!.write(index, data);
    // A failed write (a full disk) is reported by `check` below, in order: handled now, never an unhandled rejection.
    written.catch(() => undefined);
    const check = this.handoff.then(() => written).then(() => this.hasher.verify(session, index, data, owned));
    this.handoff = check.then(
      () => undefined,
      () => undefined,
    );
    check.then(
      (ok) => this.onChecked(source, index, ok),
      (err) => void this.abort(diskProblem(err)),
    );
  }

  private onChecked(source: DownloadSource, index: number, ok: boolean): void {
    this.picker!.checked(index, ok);
    if (--this.pendingWrites < this.opts.maxPendingWrites) for (const s of this.sources.values()) s.resume();
    if (this.finished) return;
    const partial = this.partial!;
    if (!ok) {
      partial.reject(index);
      const why = `piece ${index} did not match its SHA-256: ${source.name} is excluded`;
      this.emit('source', source.name, 'bad-piece', why);
      source.drop(`sent a bad piece (${index})`);
      for (const s of this.sources.values()) this.schedule(s);
      return;
    }
    partial.confirm(index);
    this.emit('verified', index);
    const share = this.shares.get(source.name)!;
    share.bytes += manifestPieceLength(this.content.manifest, index);
    share.pieces++;
    this.progress(false);
    if (partial.have.full) void this.finalize();
    else for (const s of this.sources.values()) this.schedule(s);
  }

  private onGone(source: DownloadSource, reason: string): void {
    if (this.sources.get(source.name) !== source) return;
    this.sources.delete(source.name);
    this.picker?.dropSource(source.name); // its pieces become nobody's and are picked first
    const share = this.shares.get(source.name);
    if (share) share.active = false;
    if (this.finished || this.finalizing) return;
    this.emit('source', source.name, 'dropped', reason);
    for (const s of this.sources.values()) this.schedule(s);
    if (this.sources.size === 0) this.emit('stalled');
  }

  private async finalize(): Promise<void> {
    if (this.finalizing || this.finished) return;
    this.finalizing = true;
    try {
      const session = this.session!;
      const partial = this.partial!;
      const sha256 = await this.hasher.finish(session);
      if (sha256 !== this.sha256) {
        // Every piece checked on arrival, yet the whole does not: the disk lost something. Fetch only what is bad.
        const bad = await this.hasher.rescan(session);
        if (bad.length === 0) {
          // Every piece matches its hash and the whole still does not: the piece hashes themselves lie (a holder
          // forged them). Nothing here can be trusted or repaired by fetching again.
          this.finalizing = false;
          await this.abort(
            "the holder's piece hashes do not add up to the file's SHA-256 (a lying holder): the partial data is deleted",
            true,
          );
          return;
        }
        partial.forget(bad);
        this.picker!.rewind(bad);
        const why = `the whole file did not match its SHA-256; fetching ${bad.length} piece(s) again`;
        this.emit('source', 'disk', 'bad-piece', why);
        this.finalizing = false;
        for (const s of this.sources.values()) this.schedule(s);
        if (this.sources.size === 0) this.emit('stalled');
        return;
      }
      if (!(await this.placement)) {
        this.finalizing = false;
        return await this.abort('its download chose not to keep this content', true);
      }
      this.finished = true;
      clearTimeout(this.endgameTimer);
      this.starved?.stop();
      await this.hasher.close(session);
      this.session = undefined;
      const name = await partial.complete(this.downloadsDir); // fsync, then the rename into Downloads/
      for (const s of this.sources.values()) s.finish({ qid: this.qid, ok: true, reason: 'verified' });
      this.sources.clear();
      this.progress(true);
      this.emit('complete', name, this.sha256, this.sharesList());
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
}
