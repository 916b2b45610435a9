import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { dirname, sep } from 'node:path';
import { P2pError, describeError } from '../../common/errors.js';
import {
  MAX_BATCH_FILES,
  MAX_MIRROR_BATCH,
  MIRROR_BATCH_BYTES,
  type MirrorBatch,
  type MirrorMessages,
} from '../../common/wire/mirror-messages.js';
import { allocPieceFrame, peerMessages, type PeerMessages } from '../../common/wire/peer-messages.js';
import { underRoot } from '../files/relative-path.js';
import type { PeerContext } from '../peer-context.js';
import type { PeerChannel } from '../transport/peer-listener.js';
import type { OwnerManifest } from './owner-manifest.js';

/** Bytes of file data per `piece` frame on a mirror connection (well under the 1 MiB frame limit). */
export const MIRROR_CHUNK_BYTES = 256 * 1024;
/** Most requests a mirror may have queued at the owner; more is a flood and closes the connection. */
export const MAX_QUEUED_REQUESTS = 512;
/** A mirror pings every few seconds; silence this long means it is gone. */
const MIRROR_IDLE_MS = 30_000;
/** Folders found inside shared/ by their real path are trusted this long (then looked at again). */
const FOLDER_CHECK_MS = 1000;

/** A request; `batch`: it came in a `mirror-gets`, so its answer may go in a `mirror-batch`. */
type Job =
  { kind: 'since'; epoch: string; seq: number } | { kind: 'get'; req: MirrorMessages['mirror-get']; batch?: boolean };

/**
 * The owner's side of one mirror connection (docs/PROTOCOL.md "Mirror"): it answers `mirror-since` with the changes
 * in batches of at most MAX_MIRROR_BATCH, pushes `mirror-changed` when the tree changes, and serves `mirror-get`
 * requests in the order they came, each file streamed as `piece` frames with backpressure. Only a path in the
 * current manifest, with that content, whose file still looks as it did when hashed, is served: never an arbitrary
 * path. Files are read with a few synchronous system calls each: a window of small ones keeps the connection full.
 */
export class MirrorServe {
  private readonly jobs: Job[] = [];
  private busy = false;
  /** The real path of shared/ (links inside it must not lead out). */
  private root: string | undefined;
  /** Folders whose real path was found inside shared/, and when the list was begun. */
  private readonly folders = new Set<string>();
  private foldersAt = 0;
  /** Small files read for the next `mirror-batch`, and their bytes. */
  private batch: MirrorBatch['files'] = [];
  private batchBytes = 0;
  /** A batch went out since the connection was last waited on. */
  private flushed = false;

  constructor(
    ctx: PeerContext,
    private readonly channel: PeerChannel,
    private readonly manifest: OwnerManifest,
    private readonly sharedDir: string,
    first: MirrorMessages['mirror-since'],
  ) {
    channel.setIdleTimeout(MIRROR_IDLE_MS);
    channel.on('message', (msg) => this.onMessage(msg));
    channel.on('error', (err) =>
      ctx.log(`mirror ${first.from.name}: connection closed: ${describeError(err)}`, 'warn'),
    );
    this.push({ kind: 'since', epoch: first.epoch, seq: first.seq });
  }

  /** The tree changed: tell the mirror (it asks with `mirror-since`). */
  changed(): void {
    this.channel.send('mirror-changed', { epoch: this.manifest.epoch, seq: this.manifest.seq });
  }

  get open(): boolean {
    return this.channel.isOpen;
  }

  close(): void {
    this.channel.end();
  }

  private onMessage(msg: { kind: keyof PeerMessages; body: unknown }): void {
    if (msg.kind === 'ping') return void this.channel.send('pong', msg.body as PeerMessages['pong']);
    if (msg.kind === 'mirror-since') {
      const body = msg.body as MirrorMessages['mirror-since'];
      return this.push({ kind: 'since', epoch: body.epoch, seq: body.seq });
    }
    if (msg.kind === 'mirror-get') return this.push({ kind: 'get', req: msg.body as MirrorMessages['mirror-get'] });
    if (msg.kind === 'mirror-gets') return this.pushGets(msg.body as MirrorMessages['mirror-gets']);
    this.channel.destroy(new P2pError('P2P_ERR_UNEXPECTED_MESSAGE', `a mirror may not send ${String(msg.kind)}`));
  }

  private push(job: Job): void {
    if (this.jobs.length >= MAX_QUEUED_REQUESTS) {
      this.channel.destroy(new P2pError('P2P_ERR_BAD_MESSAGE', `more than ${MAX_QUEUED_REQUESTS} requests queued`));
      return;
    }
    this.jobs.push(job);
    if (!this.busy) void this.drain();
  }

  /** The requests of a `mirror-gets`: numbered from `n`, each from the file's first byte. */
  private pushGets({ n, files }: MirrorMessages['mirror-gets']): void {
    if (n + files.length - 1 > 0xffff_ffff)
      return this.channel.destroy(new P2pError('P2P_ERR_BAD_MESSAGE', 'request numbers beyond 2^32 - 1'));
    files.forEach((f, i) => this.push({ kind: 'get', req: { n: n + i, ...f, offset: 0 }, batch: true }));
  }

  /**
   * Serves the queue in order. Small files asked for with `mirror-gets` are read into a `mirror-batch`, sent once it
   * is full or nothing more is queued: one frame and one write for many files (docs/PROTOCOL.md "Mirror").
   */
  private async drain(): Promise<void> {
    this.busy = true;
    try {
      while (this.jobs.length && this.channel.isOpen) {
        const job = this.jobs.shift()!;
        if (job.kind === 'since') {
          this.flushBatch();
          this.sendChanges(job.epoch, job.seq);
        } else if (!(job.batch && this.addToBatch(job.req))) {
          this.flushBatch();
          await this.serve(job);
        }
        if (this.jobs.length === 0) this.flushBatch();
        // Backpressure as for a file served alone: once a batch went out, nothing more is read until it drained.
        if ((this.flushed || this.batch.length === 0) && this.channel.isOpen) await this.channel.waitDrain();
        this.flushed = false;
      }
      this.flushBatch();
    } catch (err) {
      this.channel.destroy(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.busy = false;
    }
  }

  private sendChanges(epoch: string, seq: number): void {
    const { full, files, deleted } = this.manifest.changesSince(epoch, seq);
    const head = { epoch: this.manifest.epoch, seq: this.manifest.seq, full };
    let i = 0;
    let j = 0;
    do {
      const f = files.slice(i, i + MAX_MIRROR_BATCH);
      i += f.length;
      const d = deleted.slice(j, j + MAX_MIRROR_BATCH - f.length);
      j += d.length;
      this.channel.send('mirror-changes', {
        ...head,
        files: f,
        deleted: d,
        more: i < files.length || j < deleted.length,
      });
    } while (i < files.length || j < deleted.length);
  }

  /**
   * Reads a small published file into the batch; false when it is not one (too large, or it cannot be served: it
   * is then served alone, which answers why not).
   */
  private addToBatch(req: MirrorMessages['mirror-get']): boolean {
    let file: { fd: number; size: number };
    try {
      file = this.openServed(req);
    } catch {
      return false;
    }
    try {
      const size = file.size - req.offset;
      if (size > MIRROR_BATCH_BYTES) return false;
      if (this.batchBytes + size > MIRROR_BATCH_BYTES || this.batch.length >= MAX_BATCH_FILES) this.flushBatch();
      const data = Buffer.allocUnsafe(size);
      if (readSync(file.fd, data, 0, size, req.offset) < size)
        throw new P2pError('P2P_ERR_TRANSFER', `${req.path} changed while sent`);
      this.batch.push({ n: req.n, data });
      this.batchBytes += size;
      return true;
    } finally {
      closeSync(file.fd);
    }
  }

  private flushBatch(): void {
    if (this.batch.length === 0) return;
    this.channel.sendRaw(peerMessages.encode('mirror-batch', { files: this.batch }));
    this.batch = [];
    this.batchBytes = 0;
    this.flushed = true;
  }

  private async serve(job: Extract<Job, { kind: 'get' }>): Promise<void> {
    const { n, offset } = job.req;
    let file: { fd: number; size: number };
    try {
      file = this.openServed(job.req);
    } catch (err) {
      return void this.channel.send('mirror-file', { n, ok: false, size: 0, reason: describeError(err).slice(0, 200) });
    }
    try {
      const size = file.size - offset;
      const head = peerMessages.encode('mirror-file', { n, ok: true, size, reason: '' });
      if (size <= MIRROR_CHUNK_BYTES) {
        // A small file goes out with its header in one write (one TLS record).
        const piece = allocPieceFrame(n, size);
        if (readSync(file.fd, piece.data, 0, size, offset) < size)
          throw new P2pError('P2P_ERR_TRANSFER', `${job.req.path} changed while sent`);
        if (!this.channel.sendRaw(Buffer.concat([head, piece.frame]))) await this.channel.waitDrain();
        return;
      }
      this.channel.sendRaw(head);
      // Small files are read and sent at once (a few system calls, no thread hop): thousands of them stay fast.
      for (let at = 0; at < size && this.channel.isOpen;) {
        const piece = allocPieceFrame(n, Math.min(MIRROR_CHUNK_BYTES, size - at));
        const read = readSync(file.fd, piece.data, 0, piece.data.length, offset + at);
        // The file shrank under us after the check: the mirror sees short data and a wrong SHA-256, and asks again.
        if (read < piece.data.length) throw new P2pError('P2P_ERR_TRANSFER', `${job.req.path} changed while sent`);
        at += read;
        if (!this.channel.sendRaw(piece.frame)) await this.channel.waitDrain();
      }
    } finally {
      closeSync(file.fd);
    }
  }

  /** Opens a published file, checked: in the manifest with that content, inside shared/, unchanged since hashed. */
  private openServed(req: MirrorMessages['mirror-get']): { fd: number; size: number } {
    const entry = this.manifest.entry(req.path);
    if (!entry || entry.sha256 !== req.sha256)
      throw new P2pError('P2P_ERR_BAD_PATH', 'not in the published tree (any more)');
    if (req.offset > entry.size) throw new P2pError('P2P_ERR_TRANSFER', 'offset beyond the end of the file');
    const full = underRoot(this.sharedDir, req.path);
    if (!full) throw new P2pError('P2P_ERR_BAD_PATH', 'not a path inside shared/');
    const fd = this.openInside(full);
    const st = fstatSync(fd);
    if (st.size !== entry.size || Math.round(st.mtimeMs) !== entry.mtimeMs || st.ino !== entry.ino) {
      closeSync(fd);
      throw new P2pError('P2P_ERR_TRANSFER', 'changed since it was published');
    }
    return { fd, size: st.size };
  }

  /**
   * Opens `full` for reading if its real path lies inside shared/. Its folder's real path is looked up once a
   * FOLDER_CHECK_MS (not per file: thousands of small files), and the file is opened without following a link;
   * a file that is a link is resolved whole and checked. The inode check of `openServed` is the second lock: a
   * folder replaced by a link meanwhile leads to a file other than the one published, which is refused.
   */
  private openInside(full: string): number {
    this.root ??= realpathSync.native(this.sharedDir);
    const now = Date.now();
    if (now - this.foldersAt > FOLDER_CHECK_MS) {
      this.folders.clear();
      this.foldersAt = now;
    }
    const folder = dirname(full);
    if (!this.folders.has(folder)) {
      const real = realpathSync.native(folder);
      if (real !== this.root && !real.startsWith(this.root + sep))
        throw new P2pError('P2P_ERR_BAD_PATH', 'leads out of shared/');
      this.folders.add(folder);
    }
    try {
      return openSync(full, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOOP') throw err;
    }
    if (!realpathSync.native(full).startsWith(this.root + sep))
      throw new P2pError('P2P_ERR_BAD_PATH', 'leads out of shared/');
    return openSync(full, 'r');
  }
}
