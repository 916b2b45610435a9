import { EventEmitter } from 'eventemitter3';
import type { Channel } from '../../common/channel.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../../common/frame-decoder.js';
import { describeError, P2pError, TimeoutError } from '../../common/errors.js';
import { peerMessages, type PeerMessages } from '../../common/wire/peer-messages.js';
import type { Listening, Transport } from './transport.js';

export type PeerChannel = Channel<PeerMessages>;

export interface PeerListenerOptions {
  /** A connection must say who it is (hello, offer or fetch) within this time. Default 5000 ms. */
  handshakeTimeoutMs?: number;
  /** Most connections open at once through this listener; more are refused at accept. Default 64. */
  maxConnections?: number;
  /**
   * Largest first frame of a connection that has not yet said who it is. Default: UNPROVEN_MAX_FRAME_BYTES (a hello
   * or a fetch); the peer raises it while holders may dial back with an offer of a large file.
   */
  firstFrameBytes?: () => number;
  /**
   * Whether the mesh knows this proved id (a neighbour, a live peer on the metadata server's list, a holder seen):
   * such an id may hold `maxPerIdentity` connections; ids nobody knows share `maxUnknown` between them. Default:
   * every id is known.
   */
  knownId?: (id: string) => boolean;
  /** Most connections one proved identity may hold open, whatever its addresses. Default 16. */
  maxPerIdentity?: number;
  /** Most connections all identities the mesh does not know may hold together. Default 8. */
  maxUnknown?: number;
}

/** Largest frame before a connection's first valid message: hello and fetch are a few KiB at most. */
export const UNPROVEN_MAX_FRAME_BYTES = 16 * 1024;

export interface PeerListenerEvents {
  /** A neighbour dialled us. */
  hello: (channel: PeerChannel, hello: PeerMessages['hello']) => void;
  /** A holder dialled us with a file. */
  offer: (channel: PeerChannel, offer: PeerMessages['offer']) => void;
  /** A requester dialled us to fetch a file it knows we hold. */
  fetch: (channel: PeerChannel, fetch: PeerMessages['fetch']) => void;
  /** A leaving owner asks this peer to keep its files (peer/custody/custody-keeper.ts). */
  'custody-offer': (channel: PeerChannel, body: PeerMessages['custody-offer']) => void;
  /** A custodian gives this peer's files back (peer/custody/handoff.ts). */
  'custody-return': (channel: PeerChannel, body: PeerMessages['custody-return']) => void;
  /** A mirror peer asks for this peer's `shared/` tree (peer/mirror/mirror-serve.ts). */
  'mirror-since': (channel: PeerChannel, body: PeerMessages['mirror-since']) => void;
  /** A connection was closed for bad input; `reason` is one line. */
  rejected: (remote: string, reason: string) => void;
}

/**
 * The peer's listening port, accepted through the Transport. Every connection's first message says what it is:
 * `hello` opens a neighbour link, `offer` starts a transfer into this peer, `fetch` one out of it. Anything else, or
 * no first message in time, closes that connection only.
 */
export class PeerListener extends EventEmitter<PeerListenerEvents> {
  private listening: Listening | undefined;
  private readonly handshakeTimeoutMs: number;
  private readonly maxConnections: number;
  private readonly firstFrameBytes: () => number;
  /** Open connections per proved id, and of ids the mesh does not know (docs/SECURITY.md "Limits"). */
  private readonly perIdentity = new Map<string, number>();
  private unknown = 0;

  constructor(
    private readonly transport: Transport,
    private readonly options: PeerListenerOptions = {},
  ) {
    super();
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? 5000;
    this.maxConnections = options.maxConnections ?? 64;
    this.firstFrameBytes = options.firstFrameBytes ?? (() => UNPROVEN_MAX_FRAME_BYTES);
  }

  /** Listens on host:port; rejects with the socket error (EADDRINUSE when the port is taken). */
  async listen(host: string, port: number): Promise<void> {
    this.listening = await this.transport.listen(
      host,
      port,
      peerMessages,
      { idleTimeoutMs: this.handshakeTimeoutMs, maxConnections: this.maxConnections },
      {
        channel: (channel) => this.onConnection(channel),
        rejected: (remote, reason) => this.emit('rejected', remote, reason),
      },
    );
  }

  get port(): number | undefined {
    return this.listening?.port;
  }

  /** Stops accepting; open channels are closed by their owners. Idempotent. */
  stop(): void {
    this.listening?.close();
    this.listening = undefined;
  }

  /**
   * One member cannot hold this peer's connection slots, from however many addresses: a proved id holds at most
   * `maxPerIdentity`, and ids the mesh does not know (keys made up by the dozen) `maxUnknown` together. False when
   * the connection was refused.
   */
  private admit(channel: PeerChannel): boolean {
    const id = channel.identity?.id ?? '';
    const known = this.options.knownId?.(id) ?? true;
    const held = known ? (this.perIdentity.get(id) ?? 0) : this.unknown;
    const cap = known ? (this.options.maxPerIdentity ?? 16) : (this.options.maxUnknown ?? 8);
    if (held >= cap) {
      const who = known ? `id ${id}` : 'peers the mesh does not know';
      channel.destroy();
      this.emit('rejected', channel.remote, `${who} already hold${known ? 's' : ''} ${held} connections`);
      return false;
    }
    if (known) this.perIdentity.set(id, held + 1);
    else this.unknown += 1;
    channel.once('close', () => {
      if (!known) return void (this.unknown -= 1);
      const left = (this.perIdentity.get(id) ?? 1) - 1;
      if (left > 0) this.perIdentity.set(id, left);
      else this.perIdentity.delete(id);
    });
    return true;
  }

  private onConnection(channel: PeerChannel): void {
    if (!this.admit(channel)) return;
    const remote = channel.remote;
    const onError = (err: Error) => this.emit('rejected', remote, describeError(err));
    channel.on('error', onError);
    // A stranger gets a small frame limit until its first valid message (docs/SECURITY.md "Limits").
    channel.setMaxFrameBytes(this.firstFrameBytes());
    // A deadline, not only the idle clock: a sender dribbling a frame byte by byte must not stay unsorted forever.
    const deadline = setTimeout(
      () => channel.destroy(new TimeoutError('first message', this.handshakeTimeoutMs)),
      this.handshakeTimeoutMs,
    );
    channel.once('close', () => clearTimeout(deadline));
    channel.once('message', (msg) => {
      clearTimeout(deadline);
      channel.off('error', onError);
      channel.setMaxFrameBytes(DEFAULT_MAX_FRAME_BYTES);
      if (msg.kind === 'hello') this.emit('hello', channel, msg.body);
      else if (msg.kind === 'offer') this.emit('offer', channel, msg.body);
      else if (msg.kind === 'fetch') this.emit('fetch', channel, msg.body);
      else if (msg.kind === 'custody-offer') this.emit('custody-offer', channel, msg.body);
      else if (msg.kind === 'custody-return') this.emit('custody-return', channel, msg.body);
      else if (msg.kind === 'mirror-since') this.emit('mirror-since', channel, msg.body);
      else {
        channel.on('error', onError);
        channel.destroy(
          new P2pError(
            'P2P_ERR_UNEXPECTED_MESSAGE',
            `a connection must open with hello, offer, fetch, a custody or a mirror message, not ${msg.kind}`,
          ),
        );
      }
    });
  }
}
