import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { EventEmitter } from 'eventemitter3';
import { P2pError, describeError } from '../common/errors.js';
import { peerMessages, type PeerMessages } from '../common/wire/peer-messages.js';
import type { Hasher } from './hasher.js';
import type { PeerChannel } from './peer-listener.js';
import type { PeerFolders } from './peer-folders.js';
import { DIGEST_BYTES, pieceCount, pieceLength, pieceSizeFor } from './piece-plan.js';
import { fileNameProblem, unusedName } from './file-name.js';

export interface DownloadOptions {
  /** Pieces received but not yet written and checked before the socket is paused. Default 8 (8 MiB). */
  maxInFlight?: number;
  /** Least time between two `progress` events. Default 250 ms. */
  progressIntervalMs?: number;
  /** Silence from the holder after which the download fails. Default 10 000 ms. */
  idleTimeoutMs?: number;
}

export interface DownloadEvents {
  started: () => void;
  progress: (received: number) => void;
  /** The file is verified and renamed into Downloads/; `relative` is its path from the peer's folder. */
  complete: (relative: string, sha256: string) => void;
  failed: (reason: string) => void;
}

const PIECE_TYPE = peerMessages.typeOf('piece');
/** Frame bytes in front of a piece's data once the length prefix is read: type + u32 index. */
const PIECE_BODY_OVERHEAD = 5;

/**
 * The requester's side of a transfer: accept an offer, stream its pieces into a partial file under `.p2p/partial/`,
 * check each piece against its prefix digest on the hashing thread (the last one is the whole file's SHA-256), and
 * rename into `Downloads/` only when whole and verified. Whatever goes wrong, nothing appears under the final name.
 */
export class Download extends EventEmitter<DownloadEvents> {
  readonly bytes: number;
  received = 0;
  private readonly count: number;
  private readonly partialPath: string;
  private session: number | undefined;
  private nextIndex = 0;
  private inFlight = 0;
  private finished = false;
  private chain: Promise<void> = Promise.resolve();
  private lastProgress = 0;

  constructor(
    private readonly channel: PeerChannel,
    readonly offer: PeerMessages['offer'],
    private readonly folders: PeerFolders,
    private readonly hasher: Hasher,
    private readonly options: DownloadOptions = {},
  ) {
    super();
    this.bytes = offer.size;
    this.count = pieceCount(offer.size, offer.pieceSize);
    this.partialPath = join(folders.partial, `${offer.qid}.part`);
  }

  /** Why this offer cannot be taken as it stands, or undefined when it is consistent. */
  static offerProblem(offer: PeerMessages['offer']): string | undefined {
    const nameProblem = fileNameProblem(offer.file);
    if (nameProblem) return `offered ${nameProblem}`;
    if (offer.pieceSize !== pieceSizeFor(offer.size)) return `piece size ${offer.pieceSize} does not fit a file of ${offer.size} bytes`;
    const digests = Buffer.from(offer.digests, 'base64');
    const count = pieceCount(offer.size, offer.pieceSize);
    if (digests.length !== count * DIGEST_BYTES) return `offer carries ${digests.length / DIGEST_BYTES} digests for ${count} pieces`;
    if (count > 0 && digests.subarray((count - 1) * DIGEST_BYTES).toString('hex') !== offer.sha256) {
      return 'the last piece digest is not the file SHA-256';
    }
    return undefined;
  }

  async start(): Promise<void> {
    try {
      const digests = Buffer.from(this.offer.digests, 'base64');
      this.session = await this.hasher.open(this.partialPath, digests, this.offer.pieceSize);
      this.channel.setMaxFrameBytes(this.offer.pieceSize + PIECE_BODY_OVERHEAD);
      this.channel.setIdleTimeout(this.options.idleTimeoutMs ?? 10_000);
      this.channel.onRaw(PIECE_TYPE, (payload) => this.onPiece(payload));
      this.channel.on('message', (msg) => this.fail(`unexpected ${msg.kind} during the transfer`));
      this.channel.on('close', (err) => {
        if (!this.finished) this.fail(`holder closed the connection after ${this.received} of ${this.bytes} bytes${err ? ` (${err.message})` : ''}`);
      });
      this.channel.send('accept', { qid: this.offer.qid, first: 0, last: this.count });
      this.emit('started');
      if (this.count === 0) this.chain = this.chain.then(() => this.complete());
    } catch (err) {
      this.fail(describeError(err));
    }
  }

  /** Stops a transfer in flight (the peer is leaving). */
  abort(reason: string): void {
    this.fail(reason);
  }

  private onPiece(payload: Buffer): void {
    if (this.finished) return;
    if (payload.length < 4) return this.fail('a piece shorter than its header');
    const index = payload.readUInt32BE(0);
    const data = payload.subarray(4);
    const expected = this.nextIndex < this.count ? pieceLength(this.bytes, this.offer.pieceSize, this.nextIndex) : -1;
    if (index !== this.nextIndex || data.length !== expected) {
      return this.fail(`holder sent piece ${index} (${data.length} bytes) where piece ${this.nextIndex} (${expected} bytes) was due`);
    }
    this.nextIndex++;
    // Everything has arrived: what is left (writing, checking, flushing) is local work that can outlast the idle
    // timeout on a slow disk, and the holder has nothing more to say.
    if (this.nextIndex === this.count) this.channel.setIdleTimeout(0);
    // The frame body (type + index + data) owns its memory when the decoder assembled it from several chunks:
    // then it can be handed to the hashing thread without a copy.
    const owned = data.buffer.byteLength === data.length + PIECE_BODY_OVERHEAD;
    if (++this.inFlight >= (this.options.maxInFlight ?? 8)) this.channel.pause();
    const session = this.session!;
    const write = this.hasher.write(session, index, data, owned);
    this.chain = this.chain.then(async () => {
      const ok = await write;
      if (this.finished) return;
      if (--this.inFlight < (this.options.maxInFlight ?? 8)) this.channel.resume();
      if (!ok) throw new P2pError('P2P_ERR_HASH_MISMATCH', `piece ${index} does not match the holder's digest: the data is corrupt or the holder lied`);
      this.received += expected;
      const now = Date.now();
      if (now - this.lastProgress >= (this.options.progressIntervalMs ?? 250)) {
        this.lastProgress = now;
        this.emit('progress', this.received);
      }
      if (index === this.count - 1) await this.complete();
    }).catch((err) => this.fail(describeError(err)));
  }

  private async complete(): Promise<void> {
    if (this.finished) return;
    const sha256 = await this.hasher.close(this.session!, true);
    this.session = undefined;
    if (sha256 !== this.offer.sha256) throw new P2pError('P2P_ERR_HASH_MISMATCH', `file SHA-256 ${sha256} is not the offered ${this.offer.sha256}`);
    this.finished = true;
    // Never overwrite what is stored: a name taken meanwhile gets a numbered sibling.
    const name = unusedName(this.offer.file, (n) => existsSync(join(this.folders.downloads, n)));
    renameSync(this.partialPath, join(this.folders.downloads, name));
    this.channel.send('result', { qid: this.offer.qid, ok: true, reason: 'verified' });
    this.channel.end();
    this.emit('complete', `Downloads/${name}`, sha256);
  }

  private fail(reason: string): void {
    if (this.finished) return;
    this.finished = true;
    this.channel.send('result', { qid: this.offer.qid, ok: false, reason: reason.slice(0, 200) });
    this.channel.end();
    const session = this.session;
    this.session = undefined;
    const cleanup = session === undefined ? Promise.resolve(undefined) : this.hasher.close(session, false);
    void cleanup.catch(() => undefined).finally(() => rmSync(this.partialPath, { force: true }));
    this.emit('failed', reason);
  }
}
