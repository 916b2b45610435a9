import { BufferOverflowError, FrameTooLargeError, P2pError } from './errors.js';

/** Bytes of the length prefix: a big-endian u32 counting the type byte and the payload. */
export const FRAME_HEADER_BYTES = 5;

/** A decoded frame: its type byte and its payload (a view, not a copy, when the frame came in one chunk). */
export interface Frame {
  type: number;
  payload: Buffer;
}

export interface FrameDecoderOptions {
  /** Largest frame (type byte + payload) accepted; checked when the prefix is read. Default 1 MiB. */
  maxFrameBytes?: number;
  /**
   * Largest amount of unprocessed bytes held at once. Default: maxFrameBytes + 64 KiB (one whole frame plus one
   * socket read), so a sender that declares a legal length cannot make us buffer more than that.
   */
  maxBufferedBytes?: number;
}

/** Default frame limit for control messages: 1 MiB holds an offer for a 16 GiB file's digests. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

/**
 * A pure decoder of length-prefixed frames (`u32 length | u8 type | payload`). Fed chunks, it returns whole frames
 * and keeps partial state; it never re-concatenates everything it holds per chunk (after ws `receiver.js`), and it
 * checks both limits as soon as a length prefix is read, before buffering the body.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Declared length of the frame being assembled, or -1 while its prefix is not complete. */
  private expected = -1;
  private maxFrameBytes: number;
  private maxBufferedBytes: number;
  private readonly fixedBufferLimit: boolean;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.fixedBufferLimit = options.maxBufferedBytes !== undefined;
    this.maxBufferedBytes = options.maxBufferedBytes ?? this.maxFrameBytes + 64 * 1024;
  }

  /** Raises (or lowers) the frame limit, e.g. once a transfer has agreed its piece size. */
  setMaxFrameBytes(max: number): void {
    this.maxFrameBytes = max;
    if (!this.fixedBufferLimit) this.maxBufferedBytes = max + 64 * 1024;
  }

  /** Bytes held that do not yet form a whole frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** Feeds one chunk; returns the frames it completes (possibly none). Throws a P2pError on a limit or bad prefix. */
  push(chunk: Buffer): Frame[] {
    if (chunk.length === 0) return [];
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      if (this.expected < 0) {
        if (this.buffered < 4) break;
        const length = this.peekUInt32();
        if (length < 1) throw new P2pError('P2P_ERR_BAD_FRAME', 'frame declares no type byte');
        if (length > this.maxFrameBytes) throw new FrameTooLargeError(length, this.maxFrameBytes);
        this.consume(4);
        this.expected = length;
      }
      if (this.buffered < this.expected) {
        if (this.buffered > this.maxBufferedBytes) throw new BufferOverflowError(this.buffered, this.maxBufferedBytes);
        break;
      }
      const body = this.consume(this.expected);
      this.expected = -1;
      frames.push({ type: body[0]!, payload: body.subarray(1) });
    }
    if (this.buffered > this.maxBufferedBytes) throw new BufferOverflowError(this.buffered, this.maxBufferedBytes);
    return frames;
  }

  /** Reads the u32 prefix that may straddle chunks, without consuming it. */
  private peekUInt32(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readUInt32BE(0);
    const head = Buffer.alloc(4);
    let filled = 0;
    for (const c of this.chunks) {
      const n = Math.min(4 - filled, c.length);
      c.copy(head, filled, 0, n);
      filled += n;
      if (filled === 4) break;
    }
    return head.readUInt32BE(0);
  }

  /** Removes n bytes from the front of the chunk list; copies only when they straddle chunks. */
  private consume(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length === n) {
      this.chunks.shift();
      return first;
    }
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    // One allocation of exactly n bytes (its own ArrayBuffer when large, so it can be transferred to a worker).
    const out = Buffer.allocUnsafeSlow(n);
    let offset = 0;
    while (offset < n) {
      const c = this.chunks[0]!;
      const take = Math.min(c.length, n - offset);
      c.copy(out, offset, 0, take);
      offset += take;
      if (take === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(take);
    }
    return out;
  }
}
