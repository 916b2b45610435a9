import { once } from 'node:events';
import { HostLimits } from './host-limits.js';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import { describeError } from '../common/errors.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../common/frame-decoder.js';
import { proveAccepted, type ProvedIdentity } from '../common/identity-proof.js';
import { secureAccepted, type MeshMode } from '../common/mesh-tls.js';
import { SigningKey } from '../common/signing-key.js';
import { serverMessages } from '../common/wire/server-messages.js';
import { DEFAULT_INDEX_BYTES_PER_PEER, IndexRegion, MAX_INDEX_BYTES_PER_PEER } from './index-region.js';
import { DEFAULT_BUSY_PORT_MS } from './port-allocator.js';
import { joinIdentityRefusal } from './join-identity.js';
import { CustodyDesk } from './custody-desk.js';
import { NameBook } from './name-book.js';
import { TrustBook } from './trust-book.js';
import { TrustService, type TrustReceiver } from './trust-service.js';
import { defaultPeerPorts, type ListeningInfo, type PortRange } from './listening-info.js';
import type { Topology } from './referral-policy.js';
import type { RegistryConfig, RegistryRequest, RegistryResult } from './registry-protocol.js';
import type { RegistryWorkerData } from './registry-worker.js';
import { ServerConnection } from './server-connection.js';
import { MAX_SLOTS, SharedRegistry } from './shared-registry.js';
import { WorkerPool } from './worker-pool.js';

/** docs/CONTRACT.md "Commands": "Defaults: metadata server on 127.0.0.1:7000, at most 10 peers." */
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 7000;
export const DEFAULT_MAX_PEERS = 10;
/** Peers heartbeat about every second, so five missed beats mean the peer is gone. */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 5000;
/** A connection that has not joined within this long is not a peer (a port scanner, a stuck client). */
export const DEFAULT_JOIN_TIMEOUT_MS = 5000;
/** Repair advice is not repeated for this long, giving the advised peer time to dial. */
export const DEFAULT_ADVICE_MEMORY_MS = 3000;
/**
 * Largest peer → server frame. The biggest message is a full `index`: 2000 files × (255-byte name + 64 hex digits +
 * a 16-digit size + ~40 bytes of JSON keys and quotes) ≈ 750 KB, so 1 MiB. Everything else is under 10 KiB.
 */
export const MAX_REQUEST_FRAME_BYTES = 1024 * 1024;
/** Largest server → peer frame: what a peer's Channel accepts by default (common/frame-decoder.ts). */
export const DEFAULT_MAX_REPLY_FRAME_BYTES = DEFAULT_MAX_FRAME_BYTES;
/** A peer waits for each answer, so a handful of queued requests is already abnormal. */
export const DEFAULT_MAX_QUEUED_REQUESTS = 32;
export { DEFAULT_PEER_PORT_SPAN, defaultPeerPorts, formatListeningLine } from './listening-info.js';
export type { ListeningInfo, PortRange } from './listening-info.js';

export interface MetadataServerOptions {
  /**
   * Keyed: every connection runs TLS 1.3 with this mesh key before its first frame; open (`--open`): plain TCP
   * (docs/CONTRACT.md "The trusted mesh").
   */
  mesh: MeshMode;
  /**
   * The server's own Ed25519 key: it proves it on every connection, and signs the trust lists. Default: a fresh key
   * for the life of the process (the CLI keeps one in the state folder).
   */
  identity?: SigningKey;
  /** The names it remembers, bound to ids. Default: remembered for the life of the process only. */
  names?: NameBook;
  /** Trusted peers and their files (`--trust`). Default: none, for the life of the process. */
  trust?: TrustBook;
  /** Who keeps whose files (custody plans). Default: remembered for the life of the process only. */
  custody?: CustodyDesk;
  /** Address to bind (and the one peers dial). Default 127.0.0.1. */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default 7000. */
  port?: number;
  /** Most peers joining or live at once (1–256). Default 10. */
  maxPeers?: number;
  /** Registry worker threads. Default `os.availableParallelism()`. */
  workers?: number;
  /** Listening ports handed to peers. Default: the 1000 ports above the server's port (see `defaultPeerPorts`). */
  peerPorts?: PortRange;
  /** Referral policy. Default `mesh`. */
  topology?: Topology;
  /** A peer silent for this long is dropped and its slot freed. Default 5000 ms. */
  heartbeatTimeoutMs?: number;
  /** A connection that sends no valid join within this long is closed. Default 5000 ms. */
  joinTimeoutMs?: number;
  /** How long a port a peer reported busy is skipped. Default 60 000 ms. */
  busyPortMs?: number;
  /** How long repair advice is remembered before it may be repeated. Default 3000 ms. */
  adviceMemoryMs?: number;
  /** How often slots are checked for missed heartbeats. Default: half the heartbeat timeout. */
  sweepIntervalMs?: number;
  /** Largest frame accepted from a peer. Default 1 MiB (MAX_REQUEST_FRAME_BYTES, room for a full `index`). */
  maxFrameBytes?: number;
  /**
   * Bytes of shared memory keeping each peer's file index (a multiple of 8). Default DEFAULT_INDEX_BYTES_PER_PEER
   * (594 008: 2000 files with 255-byte names); an `index` that does not fit is refused with the sizes.
   */
  indexBytesPerPeer?: number;
  /** Largest `files` answer, in frame bytes; longer answers are cut to fit. Default 1 MiB, what peers accept. */
  maxReplyFrameBytes?: number;
  /** Most requests one connection may have waiting. Default 32. */
  maxQueuedRequests?: number;
  /** Receives one human-readable line per join, leave, refusal or bad connection. Default: discarded. */
  log?: (line: string) => void;
}

/**
 * The metadata server: the main thread owns the listening socket and every connection (ServerConnection, over a
 * Channel), and hands each decoded request to a pool of registry workers that share the registry through a
 * SharedArrayBuffer (README.md). It writes back each result: the reply to the requester, pushes to other peers.
 */
export class MetadataServer {
  private readonly host: string;
  private readonly maxPeers: number;
  private readonly workers: number;
  private readonly topology: Topology;
  private readonly heartbeatTimeoutMs: number;
  private readonly log: (line: string) => void;
  readonly identity: SigningKey;
  readonly names: NameBook;
  private readonly trust: TrustService;
  private readonly custody: CustodyDesk;
  private server: Server | undefined;
  private pool: WorkerPool<RegistryRequest, RegistryResult> | undefined;
  private poolReady: Promise<WorkerPool<RegistryRequest, RegistryResult>> | undefined;
  private readonly connections = new Map<number, ServerConnection>();
  private readonly hostLimits = new HostLimits();
  /** Sockets still in the mesh-key handshake (closed by stop()). */
  private readonly handshaking = new Set<Socket>();
  private nextConnId = 1;
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private listening: ListeningInfo | undefined;

  constructor(private readonly options: MetadataServerOptions) {
    this.host = options.host ?? DEFAULT_HOST;
    this.maxPeers = options.maxPeers ?? DEFAULT_MAX_PEERS;
    this.workers = options.workers ?? availableParallelism();
    this.topology = options.topology ?? 'mesh';
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
    this.log = options.log ?? (() => {});
    this.identity = options.identity ?? SigningKey.generate();
    this.names = options.names ?? new NameBook();
    const receivers = () => [...this.connections.values()].filter((c) => c.joinedName).map(receiver);
    this.custody = options.custody ?? new CustodyDesk();
    this.trust = new TrustService(options.trust ?? new TrustBook(), this.names, this.identity, receivers, this.log);
    if (!Number.isInteger(this.maxPeers) || this.maxPeers < 1 || this.maxPeers > MAX_SLOTS) {
      throw new RangeError(`maxPeers must be 1–${MAX_SLOTS}, not ${this.maxPeers}`);
    }
    const indexBytes = options.indexBytesPerPeer ?? DEFAULT_INDEX_BYTES_PER_PEER;
    if (!IndexRegion.validBytesPerSlot(indexBytes)) {
      throw new RangeError(
        `indexBytesPerPeer must be a multiple of 8 from 8 to ${MAX_INDEX_BYTES_PER_PEER}, not ${indexBytes}`,
      );
    }
    const range = options.peerPorts;
    if (range && (range.low < 1 || range.high > 65535 || range.high - range.low + 1 < this.maxPeers)) {
      throw new RangeError(`peer ports ${range.low}-${range.high} cannot hold ${this.maxPeers} peers`);
    }
  }

  /** Where it listens and how it is set up; undefined until `start()` resolves. */
  get info(): ListeningInfo | undefined {
    return this.listening;
  }

  /** Binds, starts the worker pool, and resolves once requests can be served. Rejects (EADDRINUSE…) on failure. */
  async start(): Promise<ListeningInfo> {
    if (this.server) throw new Error('the metadata server is already started');
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    server.listen(this.options.port ?? DEFAULT_PORT, this.host);
    try {
      await once(server, 'listening');
    } catch (err) {
      this.server = undefined;
      server.close();
      throw err;
    }
    // After binding, a failing accept (EMFILE…) must not crash the server: log it and keep serving the others.
    server.on('error', (err) => this.log(`the listening socket reported: ${describeError(err)}`));
    const port = (server.address() as AddressInfo).port;
    const peerPorts = this.options.peerPorts ?? defaultPeerPorts(port, this.maxPeers);
    const registry = SharedRegistry.create({
      slots: this.maxPeers,
      portLow: peerPorts.low,
      portHigh: peerPorts.high,
      reservedPort: port,
      indexBytesPerSlot: this.options.indexBytesPerPeer ?? DEFAULT_INDEX_BYTES_PER_PEER,
    });
    const config: RegistryConfig = {
      topology: this.topology,
      heartbeatTimeoutMs: this.heartbeatTimeoutMs,
      busyPortMs: this.options.busyPortMs ?? DEFAULT_BUSY_PORT_MS,
      adviceMemoryMs: this.options.adviceMemoryMs ?? DEFAULT_ADVICE_MEMORY_MS,
      maxReplyFrameBytes: this.options.maxReplyFrameBytes ?? DEFAULT_MAX_REPLY_FRAME_BYTES,
    };
    const pool = new WorkerPool<RegistryRequest, RegistryResult>({
      size: this.workers,
      // docs/PLATFORM.md: workers start from the compiled JS that sits beside this file in dist/.
      script: new URL('./registry-worker.js', import.meta.url),
      workerData: { buffer: registry.buffer, config } satisfies RegistryWorkerData,
      onWorkerError: (err) => this.log(`a registry worker failed and was replaced: ${describeError(err)}`),
    });
    this.pool = pool;
    // Connections accepted while the threads start queue their first request on this promise.
    this.poolReady = pool.start().then(() => pool);
    try {
      await this.poolReady;
    } catch (err) {
      await this.stop();
      throw err;
    }
    const sweepMs = this.options.sweepIntervalMs ?? Math.max(50, Math.floor(this.heartbeatTimeoutMs / 2));
    this.sweepTimer = setInterval(() => this.sweep(), sweepMs);
    this.listening = {
      host: this.host,
      port,
      maxPeers: this.maxPeers,
      workers: this.workers,
      peerPorts,
      topology: this.topology,
      keyed: this.options.mesh.keyed,
    };
    return this.listening;
  }

  /** Closes every connection, the listening socket and the worker threads. Idempotent. */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      clearInterval(this.sweepTimer);
      this.trust.stop();
      const server = this.server;
      const closed = server?.listening ? once(server, 'close').catch(() => {}) : undefined;
      server?.close();
      for (const socket of this.handshaking) socket.destroy();
      this.handshaking.clear();
      for (const conn of this.connections.values()) conn.close();
      this.connections.clear();
      await this.pool?.stop();
      await closed;
    })();
    return this.stopping;
  }

  /**
   * The secure step (common/mesh-tls.ts), bounded by the join timeout: nothing is read as a frame, and nothing is
   * written but a mismatch's refusal, before the handshake completed with the mesh key.
   */
  private accept(socket: Socket): void {
    // Sockets still in the key handshake count too: a stranger cannot hold more than the cap either.
    const pending = [...this.handshaking].map((s) => ({ remoteHost: s.remoteAddress ?? '?', holdsSlot: false }));
    const open = [...this.connections.values(), ...pending];
    const refusal = this.hostLimits.connectionRefusal(socket.remoteAddress ?? '?', open);
    if (this.stopping || refusal) {
      if (refusal) this.log(`closed ${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}: ${refusal}`);
      socket.destroy();
      return;
    }
    const remote = `${socket.remoteAddress ?? 'unknown'}:${socket.remotePort ?? '?'}`;
    const timeoutMs = this.options.joinTimeoutMs ?? DEFAULT_JOIN_TIMEOUT_MS;
    this.handshaking.add(socket);
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      this.handshaking.delete(socket);
      socket.destroy();
      const how = this.options.mesh.keyed ? ' (no mesh-key handshake)' : '';
      this.log(`closed ${remote}: P2P_ERR_TIMEOUT: no join within ${timeoutMs} ms${how}`);
    }, timeoutMs);
    const secured = async () => {
      const stream = await secureAccepted(socket, this.options.mesh, { mismatchReply: this.mismatchReply() });
      try {
        return { stream, identity: await proveAccepted(stream, this.identity) };
      } catch (err) {
        stream.destroy();
        throw err;
      }
    };
    secured().then(
      ({ stream, identity }) => {
        clearTimeout(timer);
        this.handshaking.delete(socket);
        if (settled || this.stopping || stream.destroyed) return void stream.destroy();
        settled = true;
        this.admit(stream, identity);
      },
      (err: unknown) => {
        clearTimeout(timer);
        this.handshaking.delete(socket);
        if (settled || this.stopping) return;
        settled = true;
        this.log(`closed ${remote}: P2P_ERR_MESH_KEY: ${describeError(err)}`);
      },
    );
  }

  /**
   * What a process of the other mode gets: a plain `refused` saying how this server runs. An open peer reads it as
   * a refusal; a keyed one's TLS reports plain bytes, which it takes for an open server. It names nothing of the mesh.
   */
  private mismatchReply(): Buffer {
    const reason = this.options.mesh.keyed
      ? "this metadata server runs a keyed mesh and this peer runs --open: start the peer without --open, with a copy of the server's mesh.key"
      : 'this metadata server runs an open mesh (--open): start the peer with --open too';
    return serverMessages.encode('refused', { code: 'P2P_ERR_MESH_KEY', reason });
  }

  private admit(socket: ConstructorParameters<typeof ServerConnection>[1], identity: ProvedIdentity): void {
    const id = this.nextConnId++;
    const conn = new ServerConnection(
      id,
      socket,
      identity,
      {
        joinTimeoutMs: this.options.joinTimeoutMs ?? DEFAULT_JOIN_TIMEOUT_MS,
        idleTimeoutMs: this.heartbeatTimeoutMs,
        maxFrameBytes: this.options.maxFrameBytes ?? MAX_REQUEST_FRAME_BYTES,
        maxQueuedRequests: this.options.maxQueuedRequests ?? DEFAULT_MAX_QUEUED_REQUESTS,
      },
      {
        run: (request) => this.run(request),
        deliver: (result) => this.deliver(result),
        failed: (c, err) => {
          if (this.stopping) return;
          this.log(`closed ${c.remote}: the registry could not serve it (${describeError(err)})`);
          c.close();
        },
        log: (line) => this.log(line),
        joinRefusal: (c, join) => {
          const refusal = joinIdentityRefusal(c.channel.identity, join, this.names);
          if (refusal) return refusal;
          const crowded = this.hostLimits.slotRefusal(c.remoteHost, this.connections.values());
          return crowded ? { code: 'P2P_ERR_MESH_FULL', reason: crowded } : undefined;
        },
        admitted: (c, join) => {
          this.custody.joined(c.id, join, c.remoteHost);
          this.trust.admitted(receiver(c), join);
        },
        indexed: (c, files) => this.trust.indexed(c.joinedName!, files),
        heard: (c, message) => this.custody.heard(c.joinedName!, message),
        custody: (c, rid) => ({ kind: 'custody-plan', body: this.custody.plan(c.joinedName!, rid) }),
        closed: (c) => {
          this.connections.delete(c.id);
          if (c.joinedName) this.custody.left(c.joinedName, c.id);
        },
      },
    );
    this.connections.set(id, conn);
  }

  private run(request: RegistryRequest): Promise<RegistryResult> {
    if (!this.poolReady) return Promise.reject(new Error('the metadata server is not started'));
    return this.poolReady.then((pool) => pool.run(request));
  }

  private deliver(result: RegistryResult): void {
    for (const line of result.logs) this.log(line);
    for (const { connId, message } of result.pushes) {
      this.connections.get(connId)?.channel.send(message.kind, message.body);
    }
    for (const connId of result.close) this.connections.get(connId)?.close();
  }

  private sweep(): void {
    this.run({ op: 'sweep' }).then(
      (result) => this.deliver(result),
      (err: Error) => {
        if (!this.stopping) this.log(`the heartbeat sweep failed: ${describeError(err)}`);
      },
    );
  }
}

/** A joined connection as the trust service sees it. */
function receiver(c: ServerConnection): TrustReceiver {
  return { send: (list) => c.channel.send('trust', list) };
}
