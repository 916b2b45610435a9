import { open, type FileHandle } from 'node:fs/promises';
import { EventEmitter } from 'eventemitter3';
import { P2pError, describeError } from '../../common/errors.js';
import { MIN_BYTE_RATE } from '../../common/byte-rate.js';
import { MAX_WANT, allocPieceFrame, peerMessages, type PieceFrame } from '../../common/wire/peer-messages.js';
import type { PeerRef } from '../../common/wire/shapes.js';
import type { HeldFile } from '../files/file-catalog.js';
import { sameStamp, stampOf, type FileStamp } from '../files/settle-watch.js';
import { encodeManifest, type Manifest } from '../content/manifest.js';
import { pieceCount, pieceLength } from '../content/piece-plan.js';
import type { PeerChannel } from '../transport/peer-listener.js';
import type { Dialer } from '../transport/transport.js';
import type { Bandwidth } from './bandwidth.js';
import { MAX_SOURCES_PER_DOWNLOAD, PIECE_FRAME_DEADLINE_MS } from './offer-limits.js';
import { Announcer, type ServedPartial, type UploadSlots } from './partial-serving.js';

/** Longest a piece keeps its upload slot while the requester has not taken it (docs/PROTOCOL.md "Swarming"). */
export const SLOT_TURN_MS = 2_000;

/**
 * How long a piece frame may take to leave for the requester before its upload is cut (docs/PROTOCOL.md
 * "Swarming"): twice the requester's own bound for one frame, or the frame at the slowest cap shared by a download's
 * sources, whichever is longer, since a capped requester's time does not count against its own bound.
 */
export function pieceWriteDeadlineMs(frameBytes: number): number {
  const slowest = MIN_BYTE_RATE / MAX_SOURCES_PER_DOWNLOAD;
  return Math.max(2 * PIECE_FRAME_DEADLINE_MS, Math.ceil((frameBytes / slowest) * 1000));
}

export interface UploadOptions {
  /** Time allowed to connect, and silence tolerated from the requester. Default 30 000 ms. */
  timeoutMs?: number;
  /** Pieces read ahead of the socket, so the disk and the network overlap. Default 4. */
  readAhead?: number;
  /** Least time between two `progress` events. Default 250 ms. */
  progressIntervalMs?: number;
  /** The peer-wide caps the pieces are sent under (peer/transfer/bandwidth.ts). Default none. */
  bandwidth?: Bandwidth;
  /** Serving a download still running: only its verified pieces, announced (docs/PROTOCOL.md "Swarming"). */
  partial?: ServedPartial;
  /** The peer's slots for sending pieces of partial files (partial-serving.ts). */
  slots?: UploadSlots;
  /** Longest a piece not yet taken by the requester keeps its slot. Default SLOT_TURN_MS. */
  slotTurnMs?: number;
  /** Longest one piece frame may take to leave. Default `pieceWriteDeadlineMs` of the frame. */
  writeDeadlineMs?: number;
}

export interface UploadEvents {
  /** The requester took this holder on (its first `want`, even an empty one): it now hears `have` and `peers`. */
  listening: () => void;
  /** The requester asked for its first piece. */
  started: (bytes: number) => void;
  progress: (sent: number, bytes: number) => void;
  complete: (sent: number) => void;
  /** The requester took another holder's offer or already had the file: not a failure. */
  declined: (reason: string) => void;
  /** `sent`: piece bytes written to the requester before it ended. */
  failed: (reason: string, sent: number) => void;
}

/**
 * The holder's side of a transfer: offer the file (size, SHA-256, piece hashes), then send the pieces the requester
 * asks for with `want`, in that order, dropping those it `cancel`s, reading ahead and waiting for the socket to
 * drain (memory stays at a few pieces whatever the size). Each piece is sent only if the file still looks as it did
 * when it was hashed (size, mtime, inode); otherwise the upload fails. The connection is one the holder dialled after a query
 * (`dial`), or one the requester opened with `fetch` (`serve`).
 */
export class Upload extends EventEmitter<UploadEvents> {
  private channel: PeerChannel | undefined;
  private done = false;
  private queue: number[] = [];
  private sent = 0;
  private wake: (() => void) | undefined;
  private readonly count: number;
  private listening = false;
  private readonly announcer: Announcer | undefined;

  constructor(
    readonly qid: string,
    readonly file: HeldFile,
    private readonly digest: Manifest,
    readonly to: string,
    private readonly self: PeerRef,
    private readonly options: UploadOptions = {},
    /** What the file looked like when it was hashed: a piece read after it changed is never sent. */
    private readonly stamp?: FileStamp,
  ) {
    super();
    this.count = pieceCount(digest.size, digest.pieceSize);
    const { partial } = options;
    const have = (pieces: number[]) => this.channel?.send('have', { qid, pieces });
    this.announcer = partial && new Announcer(partial, have, (reason) => this.abort(reason));
  }

  /** Tells the requester of other peers fetching this content (once it listens: see `listening`). */
  tell(peers: PeerRef[]): void {
    if (this.listening && !this.done && peers.length > 0) this.channel?.send('peers', { qid: this.qid, peers });
  }

  /** Dials the requester (after its query reached us) and serves it. Never throws. */
  async dial(transport: Dialer, target: PeerRef): Promise<void> {
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    let channel: PeerChannel;
    try {
      channel = await transport.dial(target, peerMessages, { idleTimeoutMs: timeoutMs, connectTimeoutMs: timeoutMs });
    } catch (err) {
      this.finish('failed', describeError(err));
      return;
    }
    // The origin's id is the one the mesh knows for it (peer/mesh/origin-check.ts): whoever answers must prove it.
    if (channel.identity?.id !== target.id) {
      channel.destroy();
      this.finish('failed', `the peer at ${target.host}:${target.port} is not ${target.name} (it proved another id)`);
      return;
    }
    await this.serve(channel);
  }

  /** Offers the file on an open transfer connection and serves it until the requester is done. Never throws. */
  async serve(channel: PeerChannel): Promise<void> {
    this.channel = channel;
    this.options.bandwidth?.attach(channel, 'up');
    channel.setIdleTimeout(this.options.timeoutMs ?? 30_000);
    let fh: FileHandle | undefined;
    try {
      // Listening first: nothing the requester sends while the file opens is lost. Opened before the offer: a partial
      // file may be renamed into place at any time after it (the open file stays readable, docs/PROTOCOL.md
      // "Swarming").
      const ended = this.listen(channel);
      fh = await open(this.file.path, 'r');
      channel.send('offer', {
        qid: this.qid,
        file: this.file.name,
        ...encodeManifest(this.digest),
        from: this.self,
        ...(this.announcer ? { have: this.announcer.offerField() } : {}),
      });
      await Promise.race([this.pump(channel, fh), ended]);
      await ended;
    } catch (err) {
      this.finish('failed', describeError(err));
    } finally {
      await fh?.close().catch(() => undefined);
      channel.end();
    }
  }

  /** Aborts a transfer in flight (the peer is stopping). */
  abort(reason: string): void {
    this.finish('failed', reason);
    this.channel?.destroy();
  }

  /** Handles the requester's messages; resolves when it is done with us. */
  private listen(channel: PeerChannel): Promise<void> {
    return new Promise((resolve) => {
      channel.on('message', (msg) => {
        switch (msg.kind) {
          case 'want': {
            if (!this.listening) {
              this.listening = true;
              this.announcer?.start();
              this.emit('listening');
            }
            if (msg.body.pieces.length === 0) return; // the requester's keepalive
            if (msg.body.pieces.some((p) => p >= this.count)) {
              this.finish('failed', `asked for a piece beyond the last (${this.count - 1})`);
              channel.destroy();
              return;
            }
            const refused = this.announcer?.refusal(msg.body.pieces);
            if (refused) {
              channel.send('decline', { qid: this.qid, reason: refused });
              this.finish('failed', refused);
              channel.end();
              return;
            }
            const most = Math.max(this.count, MAX_WANT);
            if (this.queue.length + msg.body.pieces.length > most) {
              const reason = `asked for more pieces than the file has: over ${most} waiting to be sent`;
              channel.send('decline', { qid: this.qid, reason });
              this.finish('failed', reason);
              channel.end();
              return;
            }
            if (this.sent === 0 && this.queue.length === 0) this.emit('started', this.digest.size);
            this.queue.push(...msg.body.pieces);
            this.wake?.();
            return;
          }
          case 'cancel': {
            const drop = new Set(msg.body.pieces);
            this.queue = this.queue.filter((p) => !drop.has(p));
            return;
          }
          case 'decline':
            this.finish('declined', msg.body.reason);
            resolve();
            return;
          case 'result':
            if (msg.body.ok) this.finish('complete', this.sent);
            else this.finish('failed', `requester reported: ${msg.body.reason}`);
            resolve();
            return;
          default:
            this.finish('failed', `unexpected ${msg.kind} during the transfer`);
            channel.destroy();
        }
      });
      channel.on('close', (err) => {
        this.finish('failed', err ? describeError(err) : `${this.to} closed the connection`);
        resolve();
      });
    });
  }

  /** Sends queued pieces with a small read-ahead; sleeps while the queue is empty. */
  private async pump(channel: PeerChannel, fh: FileHandle): Promise<void> {
    const { size, pieceSize } = this.digest;
    const readAhead = this.options.readAhead ?? 4;
    const interval = this.options.progressIntervalMs ?? 250;
    const reads: { index: number; piece: Promise<PieceFrame> }[] = [];
    let lastProgress = 0;
    const read = async (index: number): Promise<PieceFrame> => {
      // The codec allocates the whole frame; the file is read straight into its data region: one write, no copy.
      const piece = allocPieceFrame(index, pieceLength(size, pieceSize, index));
      const { data } = piece;
      let got = 0;
      while (got < data.length) {
        const { bytesRead } = await fh.read(data, got, data.length - got, index * pieceSize + got);
        if (bytesRead === 0) throw new P2pError('P2P_ERR_TRANSFER', `${this.file.name} shrank while being sent`);
        got += bytesRead;
      }
      // Read, then checked: a file that changed under the upload would send bytes its offer does not describe.
      if (this.stamp && !sameStamp(stampOf(await fh.stat()), this.stamp))
        throw new P2pError(
          'P2P_ERR_TRANSFER',
          `${this.file.name} changed on disk while being sent: stopped rather than send bytes that do not match its offer (it is offered again once it has settled)`,
        );
      return piece;
    };
    while (!this.done && channel.isOpen) {
      while (reads.length < readAhead && this.queue.length > 0) {
        const index = this.queue.shift()!;
        const piece = read(index);
        piece.catch(() => undefined); // a read ahead that fails after the upload ended must not go unhandled
        reads.push({ index, piece });
      }
      const next = reads.shift();
      if (!next) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      const piece = await next.piece;
      if (this.done || !channel.isOpen) break;
      const release = await this.options.slots?.take();
      try {
        if (!channel.sendRaw(piece.frame)) await this.drained(channel, piece.frame.length, release);
      } finally {
        release?.();
      }
      this.sent += piece.data.length;
      const now = Date.now();
      if (now - lastProgress >= interval) {
        lastProgress = now;
        this.emit('progress', this.sent, size);
      }
    }
  }

  /**
   * Waits until the requester has taken the frame: after a turn the slot goes to the next upload (a requester that
   * does not read holds up only itself), and past the write deadline the upload is cut.
   */
  private async drained(channel: PeerChannel, frameBytes: number, release?: () => void): Promise<void> {
    const turn = release && setTimeout(release, this.options.slotTurnMs ?? SLOT_TURN_MS);
    const deadlineMs = this.options.writeDeadlineMs ?? pieceWriteDeadlineMs(frameBytes);
    const deadline = setTimeout(
      () =>
        this.abort(
          `${this.to} did not take a piece within ${deadlineMs} ms (it reads too slowly or not at all): closed`,
        ),
      deadlineMs,
    );
    try {
      await channel.waitDrain();
    } finally {
      clearTimeout(turn);
      clearTimeout(deadline);
    }
  }

  private finish(kind: 'complete' | 'declined' | 'failed', detail: number | string): void {
    if (this.done) return;
    this.done = true;
    this.announcer?.stop();
    this.wake?.();
    if (kind === 'complete') this.emit('complete', detail as number);
    else if (kind === 'declined') this.emit('declined', detail as string);
    else this.emit('failed', detail as string, this.sent);
  }
}
