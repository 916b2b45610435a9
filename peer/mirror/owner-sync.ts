import type { Channel } from '../../common/channel.js';
import { describeError, P2pError, TimeoutError } from '../../common/errors.js';
import type { Tagged } from '../../common/message-table.js';
import type { MirrorBatch, MirrorEntry, MirrorMessages } from '../../common/wire/mirror-messages.js';
import { peerMessages, type PeerMessages, type PieceMessage } from '../../common/wire/peer-messages.js';
import type { PeerRef } from '../../common/wire/shapes.js';
import type { Dialer } from '../transport/transport.js';
import { badInput, batchProblem, versionProblem, type Round } from './change-check.js';
import type { MirrorBook } from './mirror-book.js';
import { applyFullRound, FullRound, growthProblem, type TreeLimits } from './tree-budget.js';
import type { Installed, MirrorWriter, Outcome } from './mirror-writer.js';
import { CaseKeys } from './case-keys.js';
import { IncomingFile } from './incoming-file.js';
import { MirrorRequests } from './mirror-requests.js';

export interface OwnerSyncDeps {
  transport: Dialer;
  self(): PeerRef;
  writer: MirrorWriter;
  /** Where partial files wait (`.p2p/mirror-partial/`): outside the final names, on the same disk. */
  partialDir: string;
  /** A copy was added, changed, deleted or kept aside. */
  report(outcome: Outcome): void;
  log(message: string, level?: 'info' | 'warn'): void;
  /** Something shown in `mirror-status` changed; `maybeState`: perhaps the owner's state (mirror-status.ts). */
  changed(maybeState?: boolean): void;
  /** A full round was applied (superseded partial files may go). */
  roundApplied(): void;
}

export interface OwnerSyncOptions extends TreeLimits {
  /** Requests in flight on the connection. Default 64. */
  window?: number;
  /** How often the mirror pings an owner it waits on (the owner closes after 30 s of silence). Default 5000 ms. */
  pingMs?: number;
}

/** Bytes of a streamed file waiting to be written before the connection is paused (backpressure), and resumed. */
const PAUSE_AT_BYTES = 8 * 1024 * 1024;
/** Requests in flight with nothing received for them this long: the owner is cut off (tried again later). */
const STALL_MS = 60_000;
/** Largest frame from an owner: a batch of MAX_MIRROR_BATCH entries with long paths. */
const MIRROR_MAX_FRAME_BYTES = 2 * 1024 * 1024;

/**
 * One owner, seen from a mirror (docs/PROTOCOL.md "Mirror"): one connection; `mirror-since` with the version held,
 * the changes in batches, each checked (change-check.ts) and applied to the book (mirror-book.ts); then the files
 * the book lacks are asked for with a window of `mirror-get` requests in flight, received in order, each verified
 * by its SHA-256 before it is installed (mirror-writer.ts). Small files are held in memory until whole; large ones
 * stream to a partial file with backpressure and resume from its length after a break (a full disk, a restart).
 * Bad input refuses the owner: the connection is closed and `refused` says why; nothing is written for it.
 */
export class OwnerSync {
  channel: Channel<PeerMessages> | undefined;
  /** Why the owner was refused (bad input), or why the connection ended. */
  refused: string | undefined;
  problem: string | undefined;
  lastChange: number | null = null;
  readonly done = { files: 0, bytes: 0 };
  /** True once the first round of changes was applied (until then the state is `syncing`). */
  synced = false;
  private readonly todo = new Set<string>();
  private readonly busy = new Set<string>();
  /** Paths given up on this connection (the owner no longer serves them, or they cannot be placed here). */
  private readonly skipped = new Set<string>();
  private readonly inflight: IncomingFile[] = [];
  /** Requests made by one `pump`, sent together. */
  private readonly requests = new MirrorRequests();
  /** Paths that differ only in case from another (the first is written). */
  readonly cases: CaseKeys;
  private round: Round | undefined;
  private full: FullRound | undefined;
  private applying = false; // a full round being applied, a slice per turn of the event loop
  private asking = false;
  private askAgain = false;
  private n = 0;
  private pending = 0;
  /** When the owner last answered a request (a header or bytes). */
  private progressAt = Date.now();
  private ping: NodeJS.Timeout | undefined;

  constructor(
    readonly owner: PeerRef,
    readonly book: MirrorBook,
    private readonly deps: OwnerSyncDeps,
    private readonly options: OwnerSyncOptions = {},
  ) {
    this.cases = new CaseKeys(book.published.keys());
  }

  /** Files still to fetch or delete (a path skipped for its case is not: it is the status's problem). */
  get behind(): number {
    return this.book.behind() - this.cases.behind(this.book);
  }

  /** Connects and syncs until the connection ends; resolves then (never rejects). */
  async run(): Promise<void> {
    try {
      this.channel = await this.deps.transport.dial(this.owner, peerMessages, {
        idleTimeoutMs: 20_000,
        maxFrameBytes: MIRROR_MAX_FRAME_BYTES,
      });
    } catch (err) {
      this.problem = describeError(err);
      return;
    }
    const channel = this.channel;
    if (channel.identity && channel.identity.id !== this.owner.id) {
      channel.destroy();
      this.problem = `${this.owner.name} proved another id`;
      return;
    }
    const closed = new Promise<void>((resolve) => channel.once('close', () => resolve()));
    // A frame or message the schema refuses is bad input like any other: the owner is refused.
    channel.on('error', (err) =>
      badInput(err) ? this.refuse(describeError(err)) : (this.problem ??= describeError(err)),
    );
    channel.on('message', (msg) => this.onMessage(msg));
    this.ping = setInterval(() => {
      channel.send('ping', { n: this.n });
      // An owner that answers pings but never the requests it was sent holds the sync: it is cut off.
      if (this.inflight.length && Date.now() - this.progressAt > STALL_MS)
        channel.destroy(new TimeoutError(`${this.owner.name} sent none of the files asked for`, STALL_MS));
    }, this.options.pingMs ?? 5000);
    for (const path of this.book.todo()) this.todo.add(path);
    this.deps.writer.forget();
    this.ask();
    this.pump();
    await closed;
    clearInterval(this.ping);
    for (const r of this.inflight) await r.close(false);
    this.inflight.length = 0;
    this.book.save();
  }

  /** Copies deleted or edited here: forgotten, so they are fetched again (an edit is kept aside when replaced). */
  refetch(paths: string[]): void {
    const gone = paths.filter((path) => !this.busy.has(path));
    for (const path of gone) {
      this.book.unrecord(path);
      if (this.book.needsFetch(path)) this.todo.add(path);
    }
    if (gone.length)
      this.deps.log(`mirror: ${gone.length} of ${this.owner.name}'s copies deleted or edited here: fetched again`);
    this.pump();
  }

  private ask(): void {
    if (this.asking) return void (this.askAgain = true);
    this.asking = true;
    this.channel?.send('mirror-since', { epoch: this.book.epoch, seq: this.book.seq, from: this.deps.self() });
  }

  /** Closes the connection for bad input: logged, shown as `refused`. */
  private refuse(reason: string): void {
    if (this.refused) return;
    this.refused = reason;
    this.deps.log(`mirror: refused ${this.owner.name}: ${reason}; connection closed`, 'warn');
    this.channel?.destroy(new P2pError('P2P_ERR_BAD_MESSAGE', reason));
    this.deps.changed(true);
  }

  private onMessage(msg: Tagged<PeerMessages>): void {
    if (this.refused) return;
    try {
      if (msg.kind === 'mirror-changes') this.onChanges(msg.body);
      else if (msg.kind === 'mirror-changed') this.onChanged(msg.body);
      else if (msg.kind === 'mirror-file') this.onFile(msg.body);
      else if (msg.kind === 'piece') this.onPiece(msg.body);
      else if (msg.kind === 'mirror-batch') this.onBatch(msg.body);
      else if (msg.kind !== 'pong') this.refuse(`an unexpected ${msg.kind} message`);
    } catch (err) {
      this.refuse(describeError(err));
    }
  }

  private onChanged(body: MirrorMessages['mirror-changed']): void {
    const problem = versionProblem(body.epoch, body.seq, this.book);
    if (problem) return this.refuse(problem);
    if (body.epoch !== this.book.epoch || body.seq > this.book.seq) this.ask();
  }

  private onChanges(batch: MirrorMessages['mirror-changes']): void {
    // Changes come only as the answer to a `mirror-since`: an owner pushing more would fill the mirror's memory.
    if (!this.asking || this.applying) return this.refuse('changes nobody asked for');
    const problem = batchProblem(batch, this.book, this.round);
    if (problem) return this.refuse(problem);
    this.round ??= { epoch: batch.epoch, seq: batch.seq, full: batch.full };
    // What one owner can make this mirror hold is bounded (a tree without end, or of huge paths, is refused).
    const over = batch.full
      ? (this.full ??= new FullRound()).add(batch.files, this.options)
      : growthProblem(this.book, batch.files, this.options);
    if (over) return this.refuse(over);
    if (!batch.full) {
      for (const f of batch.files) this.publish(f);
      for (const d of batch.deleted) this.unpublish(d.path);
    }
    if (batch.more) return;
    if (!this.full) return this.roundDone(batch);
    this.applying = true;
    const steps = {
      publish: (f: MirrorEntry) => this.publish(f),
      unpublish: (path: string) => this.unpublish(path),
      stale: (path: string) => void this.todo.add(path),
      alive: () => this.channel?.isOpen === true && !this.refused,
    };
    void applyFullRound(this.book, this.full.files, steps).then((whole) => whole && this.roundDone(batch, true));
  }

  /** The last batch of an answer was applied: the book holds the owner's version. */
  private roundDone(batch: MirrorMessages['mirror-changes'], full = false): void {
    if (full) this.deps.roundApplied();
    [this.book.epoch, this.book.seq] = [batch.epoch, batch.seq];
    this.book.touch();
    this.round = undefined;
    this.full = undefined;
    this.applying = false;
    this.asking = false;
    this.synced = true;
    if (this.askAgain) {
      this.askAgain = false;
      this.ask();
    }
    this.pump();
    this.deps.changed(true);
  }

  private publish(f: MirrorEntry): void {
    const old = this.book.published.get(f.path);
    this.book.publish(f);
    this.cases.add(f.path);
    if (!old || old.sha256 !== f.sha256) this.skipped.delete(f.path);
    if (this.book.needsFetch(f.path)) this.todo.add(f.path);
    this.book.touch();
  }

  private unpublish(path: string): void {
    this.book.unpublish(path);
    this.cases.remove(path);
    if (this.book.written.has(path)) this.todo.add(path);
    this.book.touch();
  }

  /** Starts work on what the book lacks, keeping `window` requests in flight. */
  private pump(): void {
    if (!this.channel?.isOpen || this.refused) return;
    // Requests go in bursts (refilled once half the window came back): one write, one TLS record, for many.
    // (A set walked from its start skips the slots of paths taken: it is walked only when there is room.)
    const window = this.options.window ?? 64;
    const room = this.inflight.length <= window / 2;
    for (const path of room ? this.todo : []) {
      if (this.inflight.length >= window) break;
      if (this.busy.has(path)) continue;
      this.todo.delete(path);
      if (this.skipped.has(path)) continue;
      if (this.book.needsDelete(path)) this.remove(path);
      else if (this.book.needsFetch(path)) this.request(this.book.published.get(path)!);
    }
    const requests = this.requests.take();
    if (requests.length) this.channel.sendRaw(requests);
    // Nothing in flight: the sync may have just caught up (`in-sync` is shown at once).
    this.deps.changed(this.inflight.length === 0);
  }

  private request(entry: MirrorEntry): void {
    const holder = this.cases.clash(entry.path);
    if (holder !== undefined) {
      this.skipped.add(entry.path);
      const why = `differs only in case from ${holder}: not written`;
      return this.deps.log(`mirror: ${this.owner.name}'s ${entry.path} ${why}`, 'warn');
    }
    if (!this.inflight.length) this.progressAt = Date.now();
    this.busy.add(entry.path);
    const n = (this.n = this.n >= 0xffff_ffff ? 1 : this.n + 1);
    const file = new IncomingFile(n, entry, this.deps.partialDir, this.owner.name);
    this.inflight.push(file);
    this.requests.add(n, entry, file.offset);
  }

  private onFile(body: MirrorMessages['mirror-file']): void {
    const head = this.inflight[0];
    if (!head || head.n !== body.n || head.expected >= 0)
      return this.refuse(`an answer to request ${body.n} out of order`);
    this.progressAt = Date.now();
    if (!body.ok) {
      const { path, sha256 } = head.entry;
      this.inflight.shift();
      this.busy.delete(path);
      // The owner changed or dropped the file since: its next version comes with the next change; until then the
      // path is not asked for again on this connection (unless a newer version was published meanwhile).
      if (this.book.published.get(path)?.sha256 === sha256) this.skipped.add(path);
      else this.todo.add(path);
      this.deps.log(`mirror: ${this.owner.name} did not send ${path}: ${body.reason}`, 'info');
      return this.pump();
    }
    if (body.size !== head.entry.size - head.offset)
      return this.refuse(`${head.entry.path} sent as ${body.size} bytes, published as ${head.entry.size}`);
    head.begin(body.size);
    if (head.whole) this.finish(head);
  }

  private onPiece(piece: PieceMessage): void {
    const head = this.inflight[0];
    if (!head || head.expected < 0 || piece.index !== head.n)
      return this.refuse(`bytes for request ${piece.index} out of order`);
    if (head.got + piece.data.length > head.expected)
      return this.refuse(`more bytes of ${head.entry.path} than its size`);
    this.progressAt = Date.now();
    const writing = head.take(piece.data);
    if (writing) {
      const bytes = piece.data.length;
      this.pending += bytes;
      if (this.pending > PAUSE_AT_BYTES) this.channel!.pause();
      const done = () => {
        this.pending -= bytes;
        if (this.pending <= PAUSE_AT_BYTES / 2) this.channel?.resume();
      };
      writing.then(done, done);
    }
    if (head.whole) this.finish(head);
  }

  /** Several small files in one frame: each checked exactly as its `mirror-file` header and `piece` would be. */
  private onBatch(batch: MirrorBatch): void {
    for (const { n, data } of batch.files) {
      this.onFile({ n, ok: true, size: data.length, reason: '' });
      if (this.refused) return;
      if (data.length) this.onPiece({ index: n, data });
      if (this.refused) return;
    }
  }

  /** A file arrived whole: verified, then installed (or the owner is refused and nothing is installed). */
  private finish(head: IncomingFile): void {
    this.inflight.shift();
    const path = head.entry.path;
    if (!head.matches()) {
      void head.close(true);
      return this.refuse(`the bytes of ${path} do not match its SHA-256`);
    }
    const { entry } = head;
    const owner = this.owner.name;
    const had = () => this.book.written.get(path);
    if (!head.streamed) {
      const tmp = head.tmpPath(owner);
      this.installed(path, entry, () => this.deps.writer.installBytes(owner, path, tmp, head.bytes(), entry, had()));
    } else
      void head.written().then(
        (from) => this.installed(path, entry, () => this.deps.writer.install(owner, path, from, entry, had())),
        (err: unknown) =>
          this.installed(path, entry, () => {
            throw err;
          }),
      );
    this.pump();
  }

  /** Installs a verified file (`put`), records it in the book and reports it; then the path is free again. */
  private installed(path: string, entry: MirrorEntry, put: () => Installed): void {
    try {
      // The owner may have changed or dropped the file meanwhile: a later round fetches the new one.
      const { outcomes, written } = put();
      this.book.record(path, { ...written, sha256: entry.sha256 });
      this.done.files += 1;
      this.done.bytes += entry.size;
      this.lastChange = Date.now();
      outcomes.forEach((o) => this.deps.report(o));
    } catch (err) {
      this.failed(path, err);
    }
    this.busy.delete(path);
    if (this.book.needsFetch(path) || this.book.needsDelete(path)) this.todo.add(path);
    this.pump();
  }

  private remove(path: string): void {
    try {
      const outcomes = this.deps.writer.remove(this.owner.name, path, this.book.written.get(path));
      this.book.unrecord(path);
      this.lastChange = Date.now();
      outcomes.forEach((o) => this.deps.report(o));
    } catch (err) {
      this.failed(path, err);
    }
  }

  /** A copy that could not be written: a full disk ends the connection (tried again later); anything else skips it. */
  private failed(path: string, err: unknown): void {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      this.problem = 'the disk is full: the rest follows once there is room';
      this.deps.log(`mirror: ${this.owner.name}'s ${path} not written: ${this.problem}`, 'warn');
      this.channel?.end();
      return;
    }
    this.skipped.add(path);
    this.deps.log(`mirror: ${this.owner.name}'s ${path} not written: ${describeError(err)}`, 'warn');
  }
}
