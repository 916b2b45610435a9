import { EventEmitter } from 'eventemitter3';
import { P2pError } from '../../common/errors.js';
import { pieceFrameLimit, type PeerMessages, type PieceMessage } from '../../common/wire/peer-messages.js';
import type { PeerChannel } from '../transport/peer-listener.js';
import type { PeerRef } from '../../common/wire/shapes.js';
import { pieceCount, pieceLength } from '../content/piece-plan.js';
import { haveProblem } from './availability.js';
import { PIECE_FRAME_DEADLINE_MS } from './offer-limits.js';

export interface SourceEvents {
  /** A requested piece arrived (not yet checked). `owned`: its memory belongs to this frame alone. */
  piece: (index: number, data: Buffer, owned: boolean) => void;
  /** A source still downloading verified more pieces (indices checked against the piece count). */
  have: (pieces: number[]) => void;
  /** The source named other peers fetching the same content (schema-checked, at most 8; not yet verified). */
  peers: (peers: PeerRef[]) => void;
  /** The source is gone (closed, timed out, misbehaved, or dropped); its requests are void. */
  gone: (reason: string) => void;
}

/**
 * One holder feeding a download: the transfer connection and the pieces requested from it and not yet received
 * (what it contributed is the swarm's `SourceShare`). It accepts only pieces it was asked for, at their exact
 * length; anything else drops it.
 */
export class DownloadSource extends EventEmitter<SourceEvents> {
  readonly inflight = new Set<number>();
  /** Cancelled pieces the holder may have sent already (its read-ahead): accepted and ignored. */
  private readonly cancelled = new Set<number>();
  private closed = false;
  private readonly keepalive: NodeJS.Timeout;

  constructor(
    readonly name: string,
    private readonly channel: PeerChannel,
    private readonly qid: string,
    private readonly size: number,
    private readonly pieceSize: number,
    idleTimeoutMs: number,
    keepaliveMs: number,
    /** Its offer carried a bitfield (it is still downloading): only such a source sends `have`. */
    private readonly partial = false,
  ) {
    super();
    // The holder judges us by what it receives, and we may send nothing for long (one slow piece, a paused socket):
    // an empty want now and then says we are still here (docs/PROTOCOL.md "Transport and liveness").
    this.keepalive = setInterval(() => this.channel.send('want', { qid: this.qid, pieces: [] }), keepaliveMs);
    channel.setMaxFrameBytes(pieceFrameLimit(pieceSize));
    channel.setFrameDeadline(PIECE_FRAME_DEADLINE_MS); // a whole piece from a slow holder, not a 10 s control frame
    channel.setIdleTimeout(idleTimeoutMs);
    channel.on('message', (msg) => {
      if (msg.kind === 'piece') return this.onPiece(msg.body);
      if (msg.kind === 'have') return this.onHave(msg.body.pieces);
      if (msg.kind === 'peers') return void (this.closed || this.emit('peers', msg.body.peers));
      if (msg.kind === 'decline') return this.drop(`declined: ${msg.body.reason}`);
      this.drop(`sent an unexpected ${msg.kind} during the transfer`);
    });
    channel.on('close', (err) => {
      clearInterval(this.keepalive);
      this.gone(err ? err.message : 'closed the connection');
    });
    // Taken on: a source still downloading sends its `have`s and `peers` only from now on (none is lost unheard).
    channel.send('want', { qid: this.qid, pieces: [] });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  want(pieces: number[]): void {
    if (this.closed || pieces.length === 0) return;
    for (const p of pieces) {
      this.inflight.add(p);
      this.cancelled.delete(p); // asked again after a cancel: its next copy is wanted
    }
    this.channel.send('want', { qid: this.qid, pieces });
  }

  cancel(pieces: number[]): void {
    const mine = pieces.filter((p) => this.inflight.delete(p));
    for (const p of mine) this.cancelled.add(p);
    if (!this.closed && mine.length > 0) this.channel.send('cancel', { qid: this.qid, pieces: mine });
  }

  pause(): void {
    this.channel.pause();
  }

  resume(): void {
    this.channel.resume();
  }

  /** Ends the transfer with its outcome (the holder reports it). */
  finish(result: PeerMessages['result']): void {
    if (this.closed) return;
    this.channel.send('result', result);
    this.closed = true;
    clearInterval(this.keepalive);
    this.removeAllListeners();
    this.channel.end();
  }

  /** Stops using this source. */
  drop(reason: string): void {
    if (this.closed) return;
    this.channel.send('result', { qid: this.qid, ok: false, reason: reason.slice(0, 200) });
    this.channel.destroy(new P2pError('P2P_ERR_TRANSFER', reason));
    this.gone(reason);
  }

  private gone(reason: string): void {
    clearInterval(this.keepalive);
    if (this.listenerCount('gone') === 0) return; // already reported, or finished on purpose
    this.closed = true;
    this.emit('gone', reason);
    this.removeAllListeners();
  }

  private onHave(pieces: number[]): void {
    if (this.closed) return;
    // A full holder has nothing to announce: its `have`s (even empty ones) would only keep an idle connection alive.
    if (!this.partial) return this.drop('sent a have, though it offered the whole file');
    const problem = haveProblem(pieces, pieceCount(this.size, this.pieceSize));
    if (problem) return this.drop(problem);
    if (pieces.length > 0) this.emit('have', pieces);
  }

  /** A piece decoded by its codec: `data` is a view into the received frame, never a copy. */
  private onPiece({ index, data, owned }: PieceMessage): void {
    if (this.closed) return;
    if (this.cancelled.delete(index)) return;
    if (!this.inflight.has(index)) return this.drop(`sent piece ${index}, which was not asked of it`);
    if (data.length !== pieceLength(this.size, this.pieceSize, index))
      return this.drop(`sent piece ${index} with ${data.length} bytes`);
    this.inflight.delete(index);
    this.emit('piece', index, data, owned === true);
  }
}
