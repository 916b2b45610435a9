/**
 * The peer's transport seam: the only module that opens, accepts and wraps TCP connections. Every dial (neighbour
 * links, the metadata server link, fetches, upload dial-backs) and every accepted connection passes through here,
 * so the step that will secure a connection (the mesh-key handshake and the identity proof; docs/PROTOCOL.md
 * "Transport and liveness") has exactly one home: `secure()`. Callers get a framed `Channel`, never a socket.
 *
 * May import: Node's standard library and `common/`.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Channel } from '../../common/channel.js';
import { describeError, TimeoutError } from '../../common/errors.js';
import { formatHostPort, type HostPort } from '../../common/host-port.js';
import type { MessageTable } from '../../common/message-table.js';

export interface TransportOptions {
  /** Time allowed to connect and secure a dialled connection, unless a dial says otherwise. Default 5000 ms. */
  connectTimeoutMs?: number;
}

export interface LinkOptions {
  /** Close when nothing is received for this long (liveness; our own writes do not count). Default 15 000 ms. */
  idleTimeoutMs?: number;
  /** Largest frame accepted. Default 1 MiB. */
  maxFrameBytes?: number;
}

export interface DialOptions extends LinkOptions {
  /** Time allowed to connect and secure this connection. Default: the transport's `connectTimeoutMs`. */
  connectTimeoutMs?: number;
}

export interface ListenOptions extends LinkOptions {
  /** Most connections open at once; more are refused at accept. Default 64. */
  maxConnections?: number;
  /** Most connections open at once from one address; more are refused at accept. Default 16. */
  maxPerAddress?: number;
}

/** What dialling parts depend on (tests hand them one over in-memory pairs). */
export interface Dialer {
  /** Connects and secures; resolves with an open channel, or rejects (refused, unreachable, timeout, handshake). */
  dial<M extends object>(target: HostPort, table: MessageTable<M>, options?: DialOptions): Promise<Channel<M>>;
}

export interface Listening {
  readonly port: number;
  /** Stops accepting; channels already handed out stay open. Idempotent. */
  close(): void;
}

export interface AcceptHandlers<M extends object> {
  /** A connection was accepted and secured. */
  channel: (channel: Channel<M>) => void;
  /** A connection failed before it became a channel (the secure step); `reason` is one line. */
  rejected: (remote: string, reason: string) => void;
}

/** Which end of a connection runs `secure()`: the handshake differs for the one that dialled. */
export type Role = 'dialer' | 'acceptor';

export class Transport implements Dialer {
  private readonly connectTimeoutMs: number;

  constructor(options: TransportOptions = {}) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  }

  dial<M extends object>(target: HostPort, table: MessageTable<M>, options: DialOptions = {}): Promise<Channel<M>> {
    const timeoutMs = options.connectTimeoutMs ?? this.connectTimeoutMs;
    const remote = formatHostPort(target);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: target.host, port: target.port });
      const fail = (err: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      // The deadline covers the TCP connect and the secure step together.
      const timer = setTimeout(() => fail(new TimeoutError(`connecting to ${remote}`, timeoutMs)), timeoutMs);
      socket.once('error', fail);
      socket.once('connect', () => {
        this.secure(socket, 'dialer').then(
          (stream) => {
            clearTimeout(timer);
            socket.off('error', fail);
            if (socket.destroyed) return reject(new Error(`${remote} closed the connection while it was being set up`));
            resolve(this.wrap(stream, table, options, remote));
          },
          (err: unknown) => fail(err instanceof Error ? err : new Error(describeError(err))),
        );
      });
    });
  }

  /** Listens on host:port and hands every secured connection to `handlers.channel`; rejects with EADDRINUSE etc. */
  listen<M extends object>(
    host: string,
    port: number,
    table: MessageTable<M>,
    options: ListenOptions,
    handlers: AcceptHandlers<M>,
  ): Promise<Listening> {
    return new Promise((resolve, reject) => {
      const perAddress = new Map<string, number>();
      const server: Server = createServer((socket) => {
        // One address cannot hold every slot (docs/SECURITY.md "Limits").
        const from = socket.remoteAddress ?? '?';
        const open = perAddress.get(from) ?? 0;
        if (open >= (options.maxPerAddress ?? 16)) {
          socket.destroy();
          return handlers.rejected(`${from}:${socket.remotePort ?? '?'}`, `${open} connections from ${from} already`);
        }
        perAddress.set(from, open + 1);
        socket.once('close', () =>
          perAddress.get(from) === 1 ? perAddress.delete(from) : perAddress.set(from, perAddress.get(from)! - 1),
        );
        this.accept(socket, table, options, handlers);
      });
      server.maxConnections = options.maxConnections ?? 64;
      server.once('error', reject);
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', () => undefined); // after listening, per-connection errors are handled per channel
        const address = server.address();
        const bound = address && typeof address === 'object' ? address.port : port;
        resolve({ port: bound, close: () => void server.close() });
      });
    });
  }

  private accept<M extends object>(
    socket: Socket,
    table: MessageTable<M>,
    options: LinkOptions,
    handlers: AcceptHandlers<M>,
  ): void {
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      handlers.rejected(remote, describeError(err));
    };
    // The secure step of an accepted connection is bounded like a dial's.
    const timer = setTimeout(
      () => fail(new TimeoutError(`securing ${remote}`, this.connectTimeoutMs)),
      this.connectTimeoutMs,
    );
    socket.once('error', fail);
    this.secure(socket, 'acceptor').then(
      (stream) => {
        clearTimeout(timer);
        socket.off('error', fail);
        if (socket.destroyed) return;
        handlers.channel(this.wrap(stream, table, options, remote));
      },
      (err: unknown) => fail(err instanceof Error ? err : new Error(describeError(err))),
    );
  }

  /**
   * THE HOOK for the next step of the protocol: every connection, dialled or accepted, passes here before its first
   * frame. It will run the TLS-PSK handshake with the mesh key and the identity proof bound to the session, and
   * resolve with the secured stream (or reject, which closes only this connection). Today: plain TCP, unchanged.
   */
  private async secure(socket: Socket, role: Role): Promise<Duplex> {
    void role;
    return socket;
  }

  private wrap<M extends object>(
    stream: Duplex,
    table: MessageTable<M>,
    options: LinkOptions,
    remote: string,
  ): Channel<M> {
    return new Channel(stream, table, {
      remote,
      ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
      ...(options.maxFrameBytes !== undefined ? { maxFrameBytes: options.maxFrameBytes } : {}),
    });
  }
}
