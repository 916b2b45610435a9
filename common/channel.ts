import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { EventEmitter } from 'eventemitter3';
import { P2pError, TimeoutError } from './errors.js';
import { FrameDecoder, DEFAULT_MAX_FRAME_BYTES } from './frame-decoder.js';
import type { ProvedIdentity } from './identity-proof.js';
import type { MessageTable, Tagged } from './message-table.js';

export interface ChannelOptions {
  /** Largest frame accepted. Default 1 MiB (DEFAULT_MAX_FRAME_BYTES). */
  maxFrameBytes?: number;
  /**
   * Close the connection when nothing is RECEIVED for this long (our own writes do not count). Default 15 000 ms;
   * 0 disables.
   */
  idleTimeoutMs?: number;
  /** How the far end is shown in logs. Default: the stream's `remoteAddress:remotePort`, else `?`. */
  remote?: string;
  /**
   * A frame begun must arrive whole within this long, or the connection is closed (a sender trickling one frame
   * cannot hold memory or a connection slot). Time paused by us does not count. Default 10 000 ms; 0 disables.
   */
  frameDeadlineMs?: number;
  /** Who the far end proved to be (common/identity-proof.ts), when the connection ran the proof. */
  identity?: ProvedIdentity;
}

export interface ChannelEvents<M> {
  message: (msg: Tagged<M>) => void;
  drain: () => void;
  /** Emitted once, before `close`, when the connection failed (bad frame, timeout, stream error). */
  error: (err: Error) => void;
  /** Emitted once, whatever ended the connection. */
  close: (err?: Error) => void;
}

/** Default inactivity limit: neighbours ping every second, so 15 s of silence is a dead or hung link. */
export const DEFAULT_IDLE_TIMEOUT_MS = 15_000;
/** Default time for one frame to arrive whole once its first byte came (docs/SECURITY.md "Limits"). */
export const DEFAULT_FRAME_DEADLINE_MS = 10_000;
/** After a graceful `end()`, a far end that never answers our FIN is cut off this much later. */
const END_GRACE_MS = 2000;
/** A throttled write goes out in slices this big, so transfers sharing one rate take turns within a piece. */
export const WRITE_SLICE_BYTES = 64 * 1024;

/** What a throttled channel asks before bytes pass (common/token-bucket.ts): true now, or a promise of later. */
export interface ByteGate {
  take(bytes: number): true | Promise<void>;
  /** Null when it lets everything pass for now: writes then go out whole and at once, as without a gate. */
  readonly limit?: number | null;
}

/** Gates for the bytes a channel reads and writes (`Channel.setThrottle`); a missing one lets bytes pass. */
export interface ChannelThrottle {
  read?: ByteGate;
  write?: ByteGate;
}

/**
 * The one adapter that owns a byte stream's events (data, error, end, close) for a framed protocol (after libp2p
 * `socket-to-conn.ts`). The stream is any Duplex: a TCP socket, later a TLS socket, or an in-memory pair in tests;
 * it stays private, so callers see frames, byte counters and the remote address only.
 *
 * Liveness is judged by what arrives: the idle clock restarts on received bytes only. Node's `socket.setTimeout`
 * also restarts on our own writes, so a link we ping every second would never time out when the far end vanished
 * without a FIN or RST (a pulled cable, a frozen host) (docs/PROTOCOL.md#liveness).
 *
 * Errors raised while decoding are caught where data enters and destroy only this connection, with the error as
 * the reason; `error` is emitted at most once.
 */
export class Channel<M extends object> extends EventEmitter<ChannelEvents<M>> {
  readonly remote: string;
  /** The far end's proved identity: set on every connection the transport or the metadata server secured. */
  readonly identity: ProvedIdentity | undefined;
  private readonly stream: Duplex;
  private readonly decoder: FrameDecoder;
  private closed = false;
  private failure: Error | undefined;
  private received = 0;
  private written = 0;
  private idleMs: number;
  private idleTimer: NodeJS.Timeout | undefined;
  private lastReceived = performance.now();
  private paused = false;
  private frameDeadlineMs: number;
  /** When the frame now being assembled began (-1: none pending). */
  private frameStarted = -1;
  private frameTimer: NodeJS.Timeout | undefined;
  private throttle: ChannelThrottle = {};
  /** Read grants not yet given: the stream stays paused until they are (the silence is ours, like a pause). */
  private readHolds = 0;
  /** Frames waiting for the write gate, in order; `outboxBytes` of them not yet written. */
  private readonly outbox: Buffer[] = [];
  private outboxBytes = 0;
  private pumping = false;
  private ending = false;

  constructor(
    stream: Duplex,
    private readonly table: MessageTable<M>,
    options: ChannelOptions = {},
  ) {
    super();
    this.stream = stream;
    const net = stream as Duplex & { remoteAddress?: string; remotePort?: number; setNoDelay?: (on: boolean) => void };
    this.remote = options.remote ?? `${net.remoteAddress ?? '?'}:${net.remotePort ?? '?'}`;
    this.identity = options.identity;
    this.decoder = new FrameDecoder({ maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES });
    net.setNoDelay?.(true);
    this.idleMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.frameDeadlineMs = options.frameDeadlineMs ?? DEFAULT_FRAME_DEADLINE_MS;
    this.armIdle();
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('error', (err) => this.destroy(err));
    stream.on('drain', () => {
      this.pump();
      if (this.outbox.length === 0) this.emit('drain');
    });
    stream.on('end', () => stream.end());
    stream.on('close', () => this.finish());
    // A step before us (the identity proof) may have read up to the first frame and paused the stream.
    stream.resume();
    if (stream.destroyed) queueMicrotask(() => this.finish());
  }

  get isOpen(): boolean {
    return !this.closed && !this.stream.destroyed;
  }

  /** Bytes received so far (frames and partial frames). */
  get bytesIn(): number {
    return this.received;
  }

  /** Bytes handed to the stream so far. */
  get bytesOut(): number {
    return this.written;
  }

  setMaxFrameBytes(max: number): void {
    this.decoder.setMaxFrameBytes(max);
  }

  /** Changes the time one frame may take to arrive whole (0 disables), e.g. for large pieces. */
  setFrameDeadline(ms: number): void {
    this.frameDeadlineMs = ms;
  }

  /** Changes the receive-idle limit (0 disables); the clock keeps running from the last byte received. */
  setIdleTimeout(ms: number): void {
    this.idleMs = ms;
    this.armIdle();
  }

  /**
   * Paces this connection's bytes (docs/ARCHITECTURE.md "Bandwidth caps"): what is read is counted against `read`
   * and reading pauses until it is granted, so TCP slows the sender; what is written waits for `write` in slices of
   * WRITE_SLICE_BYTES, in order, and `send` returns false while any of it waits (callers wait with `waitDrain`).
   */
  setThrottle(throttle: ChannelThrottle): void {
    this.throttle = throttle;
  }

  /** Bytes accepted by `send` but still waiting for the write gate. */
  get queuedBytes(): number {
    return this.outboxBytes;
  }

  /** Sends a message; returns false when the stream's buffer is full (wait for `drain`). */
  send<K extends keyof M & string>(kind: K, body: M[K]): boolean {
    return this.sendRaw(this.table.encode(kind, body));
  }

  /** Writes bytes already framed by a codec (pieces: `allocPieceFrame`), or on purpose malformed (tests). */
  sendRaw(frame: Buffer): boolean {
    if (!this.isOpen) return false;
    this.written += frame.length;
    const gate = this.throttle.write;
    if ((!gate || gate.limit === null) && this.outbox.length === 0) return this.stream.write(frame);
    this.outbox.push(frame);
    this.outboxBytes += frame.length;
    this.pump();
    return this.outbox.length === 0 && !this.stream.writableNeedDrain;
  }

  /** Resolves once the stream can take more data and nothing waits for the write gate (at once when so now). */
  async waitDrain(): Promise<void> {
    while (this.isOpen && (this.stream.writableNeedDrain || this.outbox.length > 0)) await this.nextDrain();
  }

  private async nextDrain(): Promise<void> {
    await new Promise<void>((resolve) => {
      const done = () => {
        this.off('drain', done);
        this.off('close', done);
        resolve();
      };
      this.on('drain', done);
      this.on('close', done);
    });
  }

  /** Stops reading (backpressure); the idle clock stops too, since the silence is ours. */
  pause(): void {
    this.paused = true;
    this.stream.pause();
  }

  /** Reads again after `pause()`; the idle clock restarts then (a call without a pause changes nothing). */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.readHolds === 0) this.release();
  }

  /** Paused by `pause()` or waiting for the read gate: time that is ours, not the far end's silence. */
  private get held(): boolean {
    return this.paused || this.readHolds > 0;
  }

  private release(): void {
    this.lastReceived = performance.now();
    if (this.frameStarted >= 0) this.frameStarted = this.lastReceived; // our pause: the frame's clock restarts
    this.stream.resume();
  }

  /** Graceful close: flushes what was written, then ends. Idempotent. */
  end(): void {
    if (this.closed || this.ending) return;
    if (this.outbox.length > 0) {
      this.ending = true; // the pump ends the stream once the last queued frame is out
      return;
    }
    this.stream.end();
    setTimeout(() => this.stream.destroy(), END_GRACE_MS).unref();
  }

  /** Closes now, with `err` as the reason when the connection failed. Idempotent. */
  destroy(err?: Error): void {
    if (err && !this.failure && !this.closed) {
      this.failure = err;
      this.emit('error', err);
    }
    this.outbox.length = 0;
    this.outboxBytes = 0;
    this.stream.destroy();
    // 'close' of the stream arrives asynchronously and calls finish().
  }

  private armIdle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.idleMs > 0 && !this.closed) this.idleTimer = setTimeout(() => this.checkIdle(), this.idleMs).unref();
  }

  /** One timer per idle period, not one per chunk: the hot path only stamps `lastReceived`. */
  private checkIdle(): void {
    if (this.closed || this.idleMs <= 0) return;
    const silent = this.held ? 0 : performance.now() - this.lastReceived;
    if (silent >= this.idleMs) {
      // After an event-loop stall, timers run before the poll phase reads what already arrived: give the verdict
      // only after that phase (setImmediate runs after it), so a stalled process does not cut healthy links.
      setImmediate(() => {
        if (this.closed) return;
        if (!this.held && performance.now() - this.lastReceived >= this.idleMs) {
          this.destroy(new TimeoutError('connection idle (nothing received)', this.idleMs));
        } else this.checkIdle();
      }).unref();
      return;
    }
    this.idleTimer = setTimeout(() => this.checkIdle(), Math.max(1, this.idleMs - silent)).unref();
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.received += chunk.length;
    this.lastReceived = performance.now();
    try {
      const frames = this.decoder.push(chunk);
      // A frame still pending began in this chunk when one completed before it, else it goes on from earlier.
      if (this.decoder.pendingBytes === 0) this.frameStarted = -1;
      else if (frames.length > 0 || this.frameStarted < 0) this.startFrameClock();
      for (const frame of frames) {
        this.emit('message', this.table.decode(frame));
        if (this.stream.destroyed) return;
      }
    } catch (err) {
      this.destroy(err instanceof Error ? err : new P2pError('P2P_ERR_BAD_FRAME', String(err)));
      return;
    }
    const granted = this.throttle.read?.take(chunk.length) ?? true;
    if (granted === true || this.closed) return;
    // Counted already (it is in memory); nothing more is read until the gate grants it: the kernel's buffers
    // fill and TCP slows the sender, so memory stays at one chunk per connection.
    if (this.readHolds++ === 0) this.stream.pause();
    void granted.then(() => {
      if (--this.readHolds === 0 && !this.paused && !this.closed) this.release();
    });
  }

  /** Writes queued frames slice by slice as the write gate grants them; ends the stream after the last if asked. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    while (this.outbox.length > 0 && this.isOpen && !this.stream.writableNeedDrain) {
      const whole = this.outbox[0]!.length;
      const bytes = this.throttle.write?.limit === null ? whole : Math.min(whole, WRITE_SLICE_BYTES);
      const granted = this.throttle.write?.take(bytes) ?? true;
      if (granted !== true) {
        void granted.then(() => {
          this.writeSlice(bytes);
          this.pumping = false;
          this.pump();
        });
        return;
      }
      this.writeSlice(bytes);
    }
    this.pumping = false;
    if (this.outbox.length > 0 || !this.isOpen) return;
    if (this.ending) {
      this.ending = false;
      this.end();
    } else this.emit('drain');
  }

  private writeSlice(bytes: number): void {
    const frame = this.outbox[0];
    if (!frame || !this.isOpen) return; // destroyed while the gate was deciding
    this.stream.write(bytes === frame.length ? frame : frame.subarray(0, bytes));
    this.outboxBytes -= bytes;
    if (bytes === frame.length) this.outbox.shift();
    else this.outbox[0] = frame.subarray(bytes);
  }

  /** Stamps the start of a pending frame; one timer per deadline period, not one per chunk. */
  private startFrameClock(): void {
    this.frameStarted = this.lastReceived;
    if (this.frameDeadlineMs > 0 && !this.frameTimer) this.armFrameTimer(this.frameDeadlineMs);
  }

  private armFrameTimer(ms: number): void {
    this.frameTimer = setTimeout(() => {
      this.frameTimer = undefined;
      if (this.closed || this.frameStarted < 0 || this.frameDeadlineMs <= 0) return;
      const late = this.held ? 0 : performance.now() - this.frameStarted;
      if (late < this.frameDeadlineMs) return this.armFrameTimer(Math.max(1, this.frameDeadlineMs - late));
      // As for the idle clock: judge only after the poll phase has read what already arrived.
      setImmediate(() => {
        if (this.closed || this.frameStarted < 0) return;
        if (!this.held && performance.now() - this.frameStarted >= this.frameDeadlineMs) {
          const got = `${this.decoder.pendingBytes} bytes of it received`;
          this.destroy(
            new P2pError('P2P_ERR_TIMEOUT', `a frame did not arrive whole within ${this.frameDeadlineMs} ms (${got})`),
          );
        } else if (!this.frameTimer) this.armFrameTimer(1);
      }).unref();
    }, ms).unref();
  }

  private finish(): void {
    if (this.closed) return;
    clearTimeout(this.idleTimer);
    clearTimeout(this.frameTimer);
    if (!this.failure && this.decoder.pendingBytes > 0) {
      // The peer hung up in the middle of a frame: a truncated message is bad input, not a clean close.
      this.failure = new P2pError(
        'P2P_ERR_BAD_FRAME',
        `connection closed in the middle of a frame (${this.decoder.pendingBytes} bytes unread)`,
      );
      this.emit('error', this.failure);
    }
    this.closed = true;
    this.emit('close', this.failure);
    this.removeAllListeners('message');
  }
}
