import { connect } from 'node:net';
import { open, type FileHandle } from 'node:fs/promises';
import { EventEmitter } from 'eventemitter3';
import { Channel } from '../common/channel.js';
import { P2pError, TimeoutError, describeError } from '../common/errors.js';
import { writeFrameHeader } from '../common/frame-encoder.js';
import type { Tagged } from '../common/message-table.js';
import { PIECE_HEADER_BYTES, peerMessages, type PeerMessages } from '../common/wire/peer-messages.js';
import type { PeerRef } from '../common/wire/shapes.js';
import type { FileDigest, HeldFile } from './file-catalog.js';
import { pieceCount, pieceLength } from './piece-plan.js';
import type { PeerChannel } from './peer-listener.js';

export interface UploadOptions {
  /** Time allowed to connect, for the requester to answer the offer, and of silence while streaming. Default 10 000 ms. */
  timeoutMs?: number;
  /**
   * Time the requester may take, after the last piece, to verify and flush the file before it answers. Default
   * 120 000 ms: flushing gigabytes to a slow disk takes a while, and the answer is only a report (the requester
   * alone decides what it keeps).
   */
  resultTimeoutMs?: number;
  /** Pieces read ahead of the socket, so the disk and the network overlap. Default 4. */
  readAhead?: number;
  /** Least time between two `progress` events. Default 250 ms. */
  progressIntervalMs?: number;
}

export interface UploadEvents {
  started: (bytes: number) => void;
  progress: (sent: number, bytes: number) => void;
  complete: (bytes: number) => void;
  /** The requester took another holder's offer: not a failure. */
  declined: (reason: string) => void;
  failed: (reason: string) => void;
}

const PIECE_TYPE = peerMessages.typeOf('piece');

/**
 * The holder's side of a transfer (SPEC: the holder answers over a direct short-lived connection): dial the
 * requester, offer the file with its size, SHA-256 and prefix digests, and stream the pieces it accepts, reading
 * ahead and waiting for the socket to drain (memory stays at a few pieces whatever the file's size).
 */
export class Upload extends EventEmitter<UploadEvents> {
  private channel: PeerChannel | undefined;
  private done = false;

  constructor(
    readonly qid: string,
    readonly file: HeldFile,
    private readonly digest: FileDigest,
    readonly to: PeerRef,
    private readonly self: PeerRef,
    private readonly options: UploadOptions = {},
  ) {
    super();
  }

  /** Runs the whole exchange; never throws (the outcome is an event). */
  async run(): Promise<void> {
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    const socket = connect({ host: this.to.host, port: this.to.port });
    const channel: PeerChannel = new Channel(socket, peerMessages, { idleTimeoutMs: timeoutMs });
    this.channel = channel;
    try {
      channel.send('offer', {
        qid: this.qid,
        file: this.file.name,
        size: this.digest.size,
        sha256: this.digest.sha256,
        pieceSize: this.digest.pieceSize,
        digests: this.digest.digests.toString('base64'),
        from: this.self,
      });
      const answer = await this.next(channel, timeoutMs);
      if (answer.kind === 'decline') {
        this.finish('declined', answer.body.reason);
        return;
      }
      if (answer.kind !== 'accept') throw new P2pError('P2P_ERR_UNEXPECTED_MESSAGE', `expected accept, got ${answer.kind}`);
      const count = pieceCount(this.digest.size, this.digest.pieceSize);
      const { first, last } = answer.body;
      if (answer.body.qid !== this.qid || first > last || last > count) {
        throw new P2pError('P2P_ERR_BAD_MESSAGE', `accept asks for pieces ${first}–${last} of ${count}`);
      }
      this.emit('started', this.digest.size);
      // The requester's answer can come early (it found a bad piece and gave up): listen from now on, so streaming
      // stops as soon as it does; its timer starts only once everything is sent.
      let result: PeerMessages['result'] | undefined;
      const answered = new Promise<PeerMessages['result']>((resolve, reject) => {
        channel.on('message', (msg) => {
          if (msg.kind === 'result') resolve((result = msg.body));
          else reject(new P2pError('P2P_ERR_UNEXPECTED_MESSAGE', `expected result, got ${msg.kind}`));
        });
        channel.on('close', (err) => reject(err ?? new P2pError('P2P_ERR_CLOSED', `${this.to.name} closed the connection`)));
      });
      answered.catch(() => undefined); // observed below
      await this.stream(channel, first, last, () => result !== undefined);
      const resultTimeoutMs = this.options.resultTimeoutMs ?? 120_000;
      channel.setIdleTimeout(resultTimeoutMs);
      const final = await withTimeout(answered, resultTimeoutMs, `the result from ${this.to.name}`);
      if (final.ok) this.finish('complete', this.digest.size);
      else this.finish('failed', `requester reported: ${final.reason}`);
    } catch (err) {
      this.finish('failed', describeError(err));
    } finally {
      channel.end();
    }
  }

  /** Aborts a transfer in flight (the peer is stopping). */
  abort(reason: string): void {
    this.finish('failed', reason);
    this.channel?.destroy();
  }

  private async stream(channel: PeerChannel, first: number, last: number, answered: () => boolean): Promise<void> {
    const { size, pieceSize } = this.digest;
    const readAhead = this.options.readAhead ?? 4;
    const interval = this.options.progressIntervalMs ?? 250;
    let fh: FileHandle | undefined;
    try {
      fh = await open(this.file.path, 'r');
      const handle = fh;
      const read = async (index: number): Promise<Buffer> => {
        const length = pieceLength(size, pieceSize, index);
        // One buffer per piece with room for its header, so each piece is a single socket write with no copy.
        const buf = Buffer.allocUnsafeSlow(PIECE_HEADER_BYTES + length);
        let got = 0;
        while (got < length) {
          const { bytesRead } = await handle.read(buf, PIECE_HEADER_BYTES + got, length - got, index * pieceSize + got);
          if (bytesRead === 0) throw new P2pError('P2P_ERR_TRANSFER', `${this.file.name} shrank while being sent`);
          got += bytesRead;
        }
        writeFrameHeader(buf, PIECE_TYPE, 4 + length);
        buf.writeUInt32BE(index, 5);
        return buf;
      };
      const queue: Promise<Buffer>[] = [];
      let nextRead = first;
      let sent = 0;
      let lastProgress = 0;
      for (let index = first; index < last; index++) {
        while (nextRead < last && queue.length < readAhead) queue.push(read(nextRead++));
        const frame = await queue.shift()!;
        if (answered()) break; // the requester already gave its verdict
        if (this.done || !channel.isOpen) throw new P2pError('P2P_ERR_CLOSED', 'the requester closed the connection');
        if (!channel.sendRaw(frame)) await channel.waitDrain();
        sent += frame.length - PIECE_HEADER_BYTES;
        const now = Date.now();
        if (now - lastProgress >= interval) {
          lastProgress = now;
          this.emit('progress', sent, size);
        }
      }
      await Promise.allSettled(queue);
    } finally {
      await fh?.close();
    }
  }

  private next(channel: PeerChannel, timeoutMs: number): Promise<Tagged<PeerMessages>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new TimeoutError(`answer from ${this.to.name}`, timeoutMs));
      }, timeoutMs);
      const onMessage = (msg: Tagged<PeerMessages>) => {
        cleanup();
        resolve(msg);
      };
      const onClose = (err?: Error) => {
        cleanup();
        reject(err ?? new P2pError('P2P_ERR_CLOSED', `${this.to.name} closed the connection`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        channel.off('message', onMessage);
        channel.off('close', onClose);
      };
      channel.on('message', onMessage);
      channel.on('close', onClose);
    });
  }

  private finish(kind: 'complete' | 'declined' | 'failed', detail: number | string): void {
    if (this.done) return;
    this.done = true;
    if (kind === 'complete') this.emit('complete', detail as number);
    else this.emit(kind, detail as string);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
