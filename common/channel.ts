import type { Socket } from 'node:net';
import { EventEmitter } from 'eventemitter3';
import { P2pError, TimeoutError } from './errors.js';
import { FrameDecoder, DEFAULT_MAX_FRAME_BYTES } from './frame-decoder.js';
import type { MessageTable, Tagged } from './message-table.js';

export interface ChannelOptions {
  /** Largest frame accepted. Default 1 MiB (DEFAULT_MAX_FRAME_BYTES). */
  maxFrameBytes?: number;
  /** Close the connection when nothing arrives for this long. Default 15 000 ms; 0 disables. */
  idleTimeoutMs?: number;
}

export interface ChannelEvents<M> {
  message: (msg: Tagged<M>) => void;
  drain: () => void;
  /** Emitted once, before `close`, when the connection failed (bad frame, timeout, socket error). */
  error: (err: Error) => void;
  /** Emitted once, whatever ended the connection. */
  close: (err?: Error) => void;
}

/** Default inactivity limit: neighbours ping every second, so 15 s of silence is a dead or hung link. */
export const DEFAULT_IDLE_TIMEOUT_MS = 15_000;

/**
 * The one adapter that owns a socket's events (data, error, timeout, end, close) for a framed protocol
 * (STYLE: libp2p `socket-to-conn.ts`). Errors raised while decoding are caught where data enters and destroy only
 * this connection, with the error as the reason; `error` is emitted at most once.
 */
export class Channel<M extends object> extends EventEmitter<ChannelEvents<M>> {
  readonly socket: Socket;
  private readonly decoder: FrameDecoder;
  private closed = false;
  private failure: Error | undefined;
  /** Handler for raw frames of a given type, bypassing the table (file pieces). */
  private rawHandlers = new Map<number, (payload: Buffer) => void>();

  constructor(
    socket: Socket,
    private readonly table: MessageTable<M>,
    options: ChannelOptions = {},
  ) {
    super();
    this.socket = socket;
    this.decoder = new FrameDecoder({ maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES });
    socket.setNoDelay(true);
    const idle = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    if (idle > 0) socket.setTimeout(idle);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('timeout', () => this.destroy(new TimeoutError('connection idle', idle)));
    socket.on('error', (err) => this.destroy(err));
    socket.on('drain', () => this.emit('drain'));
    socket.on('end', () => socket.end());
    socket.on('close', () => this.finish());
  }

  get isOpen(): boolean {
    return !this.closed && !this.socket.destroyed;
  }

  get remote(): string {
    return `${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? '?'}`;
  }

  setMaxFrameBytes(max: number): void {
    this.decoder.setMaxFrameBytes(max);
  }

  setIdleTimeout(ms: number): void {
    this.socket.setTimeout(ms);
  }

  /** Routes frames of this type to `handler` as raw payloads instead of decoding them through the table. */
  onRaw(type: number, handler: (payload: Buffer) => void): void {
    this.rawHandlers.set(type, handler);
  }

  /** Sends a message; returns false when the socket's buffer is full (wait for `drain`). */
  send<K extends keyof M & string>(kind: K, body: M[K]): boolean {
    if (!this.isOpen) return false;
    return this.socket.write(this.table.encode(kind, body));
  }

  /** Writes bytes already framed by the caller (pieces). */
  sendRaw(frame: Buffer): boolean {
    if (!this.isOpen) return false;
    return this.socket.write(frame);
  }

  /** Resolves once the socket can take more data (immediately when it can now). */
  async waitDrain(): Promise<void> {
    if (!this.isOpen || !this.socket.writableNeedDrain) return;
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

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Graceful close: flushes what was written, then ends. Idempotent. */
  end(): void {
    if (this.closed) return;
    this.socket.end();
    // A peer that never answers our FIN must not keep the socket alive forever.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  /** Closes now, with `err` as the reason when the connection failed. Idempotent. */
  destroy(err?: Error): void {
    if (err && !this.failure && !this.closed) {
      this.failure = err;
      this.emit('error', err);
    }
    this.socket.destroy();
    // 'close' of the socket arrives asynchronously and calls finish().
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    try {
      for (const frame of this.decoder.push(chunk)) {
        const raw = this.rawHandlers.get(frame.type);
        if (raw) raw(frame.payload);
        else this.emit('message', this.table.decode(frame));
        if (this.socket.destroyed) return;
      }
    } catch (err) {
      this.destroy(err instanceof Error ? err : new P2pError('P2P_ERR_BAD_FRAME', String(err)));
    }
  }

  private finish(): void {
    if (this.closed) return;
    if (!this.failure && this.decoder.pendingBytes > 0) {
      // The peer hung up in the middle of a frame: a truncated message is bad input, not a clean close.
      this.failure = new P2pError('P2P_ERR_BAD_FRAME', `connection closed in the middle of a frame (${this.decoder.pendingBytes} bytes unread)`);
      this.emit('error', this.failure);
    }
    this.closed = true;
    this.emit('close', this.failure);
    this.removeAllListeners('message');
  }
}
