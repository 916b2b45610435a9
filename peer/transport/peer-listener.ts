import { createServer, type Server, type Socket } from 'node:net';
import { EventEmitter } from 'eventemitter3';
import { Channel } from '../../common/channel.js';
import { describeError, P2pError } from '../../common/errors.js';
import { peerMessages, type PeerMessages } from '../../common/wire/peer-messages.js';

export type PeerChannel = Channel<PeerMessages>;

export interface PeerListenerOptions {
  /** A connection must say who it is (hello or offer) within this time. Default 5000 ms. */
  handshakeTimeoutMs?: number;
  /** Most connections open at once through this listener; more are refused at accept. Default 64. */
  maxConnections?: number;
}

export interface PeerListenerEvents {
  /** A neighbour dialled us. */
  hello: (channel: PeerChannel, hello: PeerMessages['hello']) => void;
  /** A holder dialled us with a file. */
  offer: (channel: PeerChannel, offer: PeerMessages['offer']) => void;
  /** A requester dialled us to fetch a file it knows we hold. */
  fetch: (channel: PeerChannel, fetch: PeerMessages['fetch']) => void;
  /** A connection was closed for bad input; `reason` is one line. */
  rejected: (remote: string, reason: string) => void;
}

/**
 * The peer's listening socket. Every connection's first message says what it is: `hello` opens a neighbour link,
 * `offer` starts a transfer into this peer, `fetch` one out of it. Anything else, or silence, closes that connection only.
 */
export class PeerListener extends EventEmitter<PeerListenerEvents> {
  private server: Server | undefined;
  private readonly handshakeTimeoutMs: number;
  private readonly maxConnections: number;

  constructor(options: PeerListenerOptions = {}) {
    super();
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? 5000;
    this.maxConnections = options.maxConnections ?? 64;
  }

  /** Listens on host:port; rejects with the socket error (EADDRINUSE when the port is taken). */
  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = createServer((socket) => this.onConnection(socket));
      server.maxConnections = this.maxConnections;
      server.once('error', reject);
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', () => undefined); // after listening, per-connection errors are handled per channel
        this.server = server;
        resolve();
      });
    });
  }

  get port(): number | undefined {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address.port : undefined;
  }

  /** Stops accepting; open channels are closed by their owners. Idempotent. */
  stop(): void {
    this.server?.close();
    this.server = undefined;
  }

  private onConnection(socket: Socket): void {
    const channel: PeerChannel = new Channel(socket, peerMessages, { idleTimeoutMs: this.handshakeTimeoutMs });
    const remote = channel.remote;
    const onError = (err: Error) => this.emit('rejected', remote, describeError(err));
    channel.on('error', onError);
    channel.once('message', (msg) => {
      channel.off('error', onError);
      if (msg.kind === 'hello') this.emit('hello', channel, msg.body);
      else if (msg.kind === 'offer') this.emit('offer', channel, msg.body);
      else if (msg.kind === 'fetch') this.emit('fetch', channel, msg.body);
      else {
        channel.on('error', onError);
        channel.destroy(new P2pError('P2P_ERR_UNEXPECTED_MESSAGE', `a connection must open with hello, offer or fetch, not ${msg.kind}`));
      }
    });
  }
}
