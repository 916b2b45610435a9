/**
 * The peer's transport seam: the only module that opens, accepts and wraps TCP connections. Every dial (neighbour
 * links, the metadata server link, fetches, upload dial-backs) and every accepted connection passes through here,
 * so the step that secures a connection (the mesh-key handshake, then the identity proof; docs/PROTOCOL.md
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
import { IdentityProofError, proveAccepted, proveDialled, type ProvedIdentity } from '../../common/identity-proof.js';
import { MeshHandshakeError, secureAccepted, secureDialled, type MeshMode } from '../../common/mesh-tls.js';
import { SigningKey } from '../../common/signing-key.js';

export interface TransportOptions {
  /** Keyed (TLS-PSK with the mesh key) or open (`--open`): every connection, dialled or accepted. */
  mesh: MeshMode;
  /**
   * This peer's identity key: every connection proves it, and learns the far end's (common/identity-proof.ts).
   * Default: a fresh key (parts tested on their own).
   */
  identity?: SigningKey;
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
  /** The local address to dial from. Default: the system's choice. */
  localAddress?: string;
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
  readonly mesh: MeshMode;
  private readonly identity: SigningKey;

  constructor(options: TransportOptions) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.mesh = options.mesh;
    this.identity = options.identity ?? SigningKey.generate();
  }

  dial<M extends object>(target: HostPort, table: MessageTable<M>, options: DialOptions = {}): Promise<Channel<M>> {
    const timeoutMs = options.connectTimeoutMs ?? this.connectTimeoutMs;
    const remote = formatHostPort(target);
    return new Promise((resolve, reject) => {
      const from = options.localAddress === undefined ? {} : { localAddress: options.localAddress };
      const socket = connect({ host: target.host, port: target.port, ...from });
      let settled = false;
      const fail = (err: Error) => {
        clearTimeout(timer);
        socket.destroy();
        if (settled) return;
        settled = true;
        reject(err);
      };
      // The deadline covers the TCP connect and the secure step together.
      const timer = setTimeout(() => fail(new TimeoutError(`connecting to ${remote}`, timeoutMs)), timeoutMs);
      socket.once('error', fail);
      socket.once('connect', () => {
        // On the TCP socket itself: a TLS socket wrapped around it does not pass setNoDelay down, and small messages
        // (a mirror's pipelined requests) would wait for Nagle's algorithm and the far end's delayed ACK.
        socket.setNoDelay(true);
        // From here the secure step reports errors and closes (a TLS failure says more than the socket's error).
        socket.off('error', fail);
        socket.on('error', () => undefined);
        this.secure(socket, 'dialer').then(
          ({ stream, identity }) => {
            clearTimeout(timer);
            if (settled) return void stream.destroy();
            settled = true;
            if (socket.destroyed || stream.destroyed)
              return reject(new Error(`${remote} closed the connection while it was being set up`));
            resolve(this.wrap(stream, table, options, remote, identity));
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
    socket.setNoDelay(true); // as in dial()
    let settled = false;
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (settled) return;
      settled = true;
      handlers.rejected(remote, describeError(err));
    };
    // The secure step of an accepted connection is bounded like a dial's (a handshake that never completes).
    const timer = setTimeout(
      () => fail(new TimeoutError(`securing ${remote}`, this.connectTimeoutMs)),
      this.connectTimeoutMs,
    );
    this.secure(socket, 'acceptor').then(
      ({ stream, identity }) => {
        clearTimeout(timer);
        if (settled || socket.destroyed || stream.destroyed) return void stream.destroy();
        settled = true;
        handlers.channel(this.wrap(stream, table, options, remote, identity));
      },
      (err: unknown) => fail(err instanceof Error ? err : new Error(describeError(err))),
    );
  }

  /**
   * Every connection, dialled or accepted, passes here before its first frame: the TLS-PSK handshake with the mesh
   * key (common/mesh-tls.ts; plain TCP with `--open`), then the identity proof bound to that session
   * (common/identity-proof.ts). It resolves with the secured stream and who the far end proved to be, or rejects,
   * which closes only this connection. The caller's deadline bounds it; an error or a close rejects it.
   */
  private async secure(socket: Socket, role: Role): Promise<{ stream: Duplex; identity: ProvedIdentity }> {
    const stream = role === 'dialer' ? await secureDialled(socket, this.mesh) : await secureAccepted(socket, this.mesh);
    try {
      const identity =
        role === 'dialer' ? await proveDialled(stream, this.identity) : await proveAccepted(stream, this.identity);
      return { stream, identity };
    } catch (err) {
      stream.destroy();
      // Open, we got something else than the proof back: only a keyed process answers so (its plain refusal).
      if (err instanceof IdentityProofError && err.failure === 'not-proof' && role === 'dialer' && !this.mesh.keyed)
        throw new MeshHandshakeError('far-end-keyed', 'the far end runs a keyed mesh, and this process runs --open');
      throw err;
    }
  }

  private wrap<M extends object>(
    stream: Duplex,
    table: MessageTable<M>,
    options: LinkOptions,
    remote: string,
    identity: ProvedIdentity,
  ): Channel<M> {
    return new Channel(stream, table, {
      remote,
      identity,
      ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
      ...(options.maxFrameBytes !== undefined ? { maxFrameBytes: options.maxFrameBytes } : {}),
    });
  }
}
