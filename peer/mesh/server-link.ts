import { EventEmitter } from 'eventemitter3';
import { nanoid } from 'nanoid';
import type { Channel } from '../../common/channel.js';
import { P2pError, describeError } from '../../common/errors.js';
import { formatHostPort, type HostPort } from '../../common/host-port.js';
import { MeshHandshakeError, type MeshMode } from '../../common/mesh-tls.js';
import { RetryTimer } from '../../common/retry-timer.js';
import type { Tagged } from '../../common/message-table.js';
import {
  PROTOCOL_VERSION,
  serverMessages,
  type IndexEntry,
  type IndexedFile,
  type ServerMessages,
} from '../../common/wire/server-messages.js';
import type { PeerInfo, PeerRef } from '../../common/wire/shapes.js';
import type { Dialer } from '../transport/transport.js';
import { ServerFinder } from './server-finder.js';
import { ReachMemory } from './hop-limit.js';

export interface ServerLinkOptions {
  /** How often to tell the server we are alive. Default 1000 ms. */
  heartbeatIntervalMs?: number;
  /** Time allowed to connect and to get an answer. Default 3000 ms. */
  timeoutMs?: number;
  /**
   * Nothing RECEIVED from the server for this long means it is lost (it acks every heartbeat, so a silent server
   * is dead or frozen even if the connection stays open): reconnect. Default 5000 ms, the 5 s of silence the
   * protocol allows every link (docs/PROTOCOL.md "Transport and liveness"), and no less than the server itself
   * waits for our heartbeats, so a server busy for a few seconds does not make every peer rejoin at once. At least
   * `timeoutMs`.
   */
  deadAfterMs?: number;
  /** Reconnection delays in ms (the last repeats, plus up to 20% jitter). Default SERVER_BACKOFFS_MS. */
  backoffs?: number[];
  /** The mesh key file, named in the sentence when the server refuses the key. Default: "the mesh key". */
  keyFile?: string;
  /**
   * The server's identity as first met (peer/files/server-pin.ts): a server proving another key is refused.
   * Default: any server is accepted (parts tested on their own).
   */
  serverPin?: { check(publicKey: Buffer, server: string): string | undefined; readonly key?: Buffer | undefined };
  /**
   * No `--server` was given: also look for the server's announcements (./server-finder.ts) on this UDP port, with
   * this mesh mode, on the interface of the peer's own address. Default: no discovery (`--server` always wins).
   */
  discover?: { port: number; mesh: MeshMode };
  /** Bytes free where this peer keeps files, told with each heartbeat (custody plans: metadata-server/custody-desk.ts). */
  room?: () => number | undefined;
}

/**
 * Reconnection delays to the metadata server, in ms. The last one repeats, so it bounds how long a restarted server
 * waits for a peer: 2000 ms plus up to 20% jitter (common/retry-timer.ts) leaves time to re-register, listen and
 * heartbeat within the 5 s a restarted server has to be whole again (docs/PROTOCOL.md "Peer ↔ metadata server",
 * re-registration). A refused dial on a LAN costs next to nothing; the jitter keeps ten peers from dialling in step.
 */
export const SERVER_BACKOFFS_MS = [250, 500, 1000, 2000];

/**
 * While discovery runs and no server key is pinned, a dial to the default address (the one the link was made with)
 * gets this long to connect and secure, not `timeoutMs`: announcements wait for that dial (`retarget`), so a silent
 * default address (nothing refuses, nothing answers) still leaves time to find an announced server within the 3 s
 * of docs/CONTRACT.md "Mirror, discovery and bandwidth". A real server on the same machine answers in milliseconds.
 */
export const DEFAULT_ADDRESS_DEADLINE_MS = 2000;

export interface JoinInfo {
  name: string;
  id: string;
  host: string;
  /** The port already listened on, when re-registering. */
  port?: number;
}

export interface ServerLinkEvents {
  state: (
    state: 'connecting' | 'connected' | 'unreachable' | 'lost',
    detail: { retryInMs?: number; message?: string; peers?: number },
  ) => void;
  /** Admitted: the peer must now listen on `port` and call listening() or portBusy(). */
  welcome: (body: ServerMessages['welcome'], rejoin: boolean) => void;
  /**
   * Not admitted. `first` is true for the first join of this process (exit 2: docs/CONTRACT.md "Exit codes").
   * `local`: the reason is this side's whole sentence (the mesh-key handshake failed), not the server's words.
   */
  refused: (code: string, reason: string, first: boolean, local?: boolean) => void;
  /** The server advises dialling these peers (mesh repair). */
  link: (peers: PeerRef[]) => void;
  /** The server asks us to leave (docs/CONTRACT.md "Peer commands"). */
  stop: (reason: string) => void;
  /** The server's signed trust list (peer/trust/trust-list.ts verifies it). */
  trust: (signed: ServerMessages['trust']) => void;
  /** A line for the peer's log: discovery found the server, or is still looking (./server-finder.ts). */
  log: (message: string, level: 'info' | 'warn') => void;
}

/**
 * The peer's persistent connection to the metadata server: join (and re-join after the server restarts, keeping the
 * same port), heartbeats carrying the neighbour set, mesh-repair advice, and retry with backoff while the server
 * cannot be reached (docs/CONTRACT.md "Commands": "says so and retries with backoff until it can").
 */
export class ServerLink extends EventEmitter<ServerLinkEvents> {
  private channel: Channel<ServerMessages> | undefined;
  private readonly retry: RetryTimer;
  private finder: ServerFinder | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  /** The hops the server said this peer's floods need to reach every live peer (peer/mesh/hop-limit.ts). */
  readonly reach = new ReachMemory();
  private joinedOnce = false;
  private live = false;
  private stopped = false;
  private readonly pending = new Map<string, (answer: unknown) => void>();
  private lastIndex: IndexedFile[] | undefined;
  /** Numbers dials: a dial overtaken by `retarget` is dropped when it completes. */
  private attempt = 0;
  /** Where the dial in flight goes, if one is. */
  private dialing: HostPort | undefined;
  /** How the address was learnt: `discovery` once retargeted by peer/mesh/server-finder.ts. */
  via: 'discovery' | undefined;
  /** The address given (`--server`, or the default one): while unpinned, a server there wins over announcements. */
  private readonly given: HostPort;

  constructor(
    private address: HostPort,
    private readonly transport: Dialer,
    private readonly joinInfo: () => JoinInfo,
    private readonly neighbours: () => string[],
    private readonly options: ServerLinkOptions = {},
  ) {
    super();
    this.given = address;
    this.retry = new RetryTimer(() => this.connect(), { backoffs: options.backoffs ?? SERVER_BACKOFFS_MS });
  }

  get display(): string {
    return formatHostPort(this.address);
  }

  start(): void {
    this.connect();
    const { discover, serverPin } = this.options;
    if (!discover || this.finder) return;
    const link = {
      display: () => this.display,
      retarget: (address: HostPort) => this.retarget(address, 'discovery'),
      log: (message: string, level: 'info' | 'warn') => this.emit('log', message, level),
    };
    const finder = new ServerFinder(link, { ...discover, host: this.joinInfo().host, pin: () => serverPin?.key });
    this.on('state', (state) => (state === 'connected' ? finder.pause() : state !== 'connecting' && finder.look()));
    this.finder = finder;
    void finder.start();
  }

  /**
   * The metadata server announced itself at `address` (peer/mesh/server-finder.ts): unless a connection to a
   * server is up (joined, or joining), dial it now, and retry there from now on. Returns whether it dials, or
   * `later` while no server key is pinned and a dial to (or a join at) the given address is in flight: a server there
   * wins over any announcement (a member holding the mesh key could announce a server of its own), so the
   * finder offers the announcement again once that dial failed (docs/SECURITY.md "Discovery"). With a pinned key
   * only the pinned server's announcements come here, and they are followed at once, dropping a dial in flight.
   */
  retarget(address: HostPort, via: 'discovery'): boolean | 'later' {
    if (this.stopped || this.live) return false;
    if ((this.dialing || this.channel) && this.givenFirst()) return 'later';
    if (this.channel) return false;
    if (this.dialing && formatHostPort(this.dialing) === formatHostPort(address)) return false;
    this.address = { host: address.host, port: address.port };
    this.via = via;
    this.retry.reset();
    this.connect();
    return true;
  }

  /** Tells the server we listen on `port` and have linked to our referrals; the slot becomes live. */
  listening(port: number): void {
    this.channel?.send('listening', { port, neighbours: this.neighbours() });
    this.live = true;
    this.joinedOnce = true;
    if (this.lastIndex) this.channel?.send('index', { files: this.lastIndex });
    this.retry.reset();
    this.emit('state', 'connected', {});
  }

  /** The assigned port is taken on this host: ask for another. */
  portBusy(port: number): void {
    this.channel?.send('port-busy', { port });
  }

  /** Sends the neighbour set now (after a change), instead of waiting for the next heartbeat. */
  reportNeighbours(): void {
    if (this.live) this.channel?.send('heartbeat', { neighbours: this.neighbours() });
  }

  /** The registry's view of the mesh, or undefined when the server cannot answer in time. */
  async peers(): Promise<PeerInfo[] | undefined> {
    return (await this.ask((rid) => this.channel!.send('peers-request', { rid }))) as PeerInfo[] | undefined;
  }

  /** Searches the mesh's file index; undefined when the server cannot answer in time. */
  async files(mode: ServerMessages['files-request']['mode'], pattern: string): Promise<IndexEntry[] | undefined> {
    return (await this.ask((rid) => this.channel!.send('files-request', { rid, mode, pattern }))) as
      IndexEntry[] | undefined;
  }

  /** Tells the server what this peer holds (again after every re-registration). */
  /** Returns whether it went out now; otherwise it goes out as soon as the peer is registered again. */
  index(files: IndexedFile[]): boolean {
    this.lastIndex = files;
    if (!this.live || !this.channel?.isOpen) return false;
    this.channel.send('index', { files });
    return true;
  }

  /** On `Stop`: the files only this peer holds and who keeps them; undefined when the server cannot answer. */
  async custodyPlan(): Promise<ServerMessages['custody-plan'] | undefined> {
    return (await this.ask((rid) => this.channel!.send('custody-request', { rid }))) as
      ServerMessages['custody-plan'] | undefined;
  }

  /** A heartbeat's body: the neighbours, and the room this peer has for files when known. */
  private beat(): ServerMessages['heartbeat'] {
    const room = this.options.room?.();
    return { neighbours: this.neighbours(), ...(room === undefined ? {} : { room }) };
  }

  private ask(send: (rid: string) => void): Promise<unknown> {
    if (!this.live || !this.channel) return Promise.resolve(undefined);
    const rid = nanoid(10);
    const timeoutMs = this.options.timeoutMs ?? 3000;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(rid);
        resolve(undefined);
      }, timeoutMs);
      this.pending.set(rid, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      send(rid);
    });
  }

  /** Asks the server to tell every peer to leave. */
  stopAll(by: string): void {
    if (this.live) this.channel?.send('stop-all', { by });
  }

  /** Leaves for good: says so to the server and closes. Idempotent. */
  leave(reason: string): void {
    if (this.stopped) return;
    if (this.live) this.channel?.send('leave', { reason });
    this.stop();
  }

  stop(): void {
    this.stopped = true;
    this.live = false;
    this.retry.stop();
    this.finder?.stop();
    clearInterval(this.heartbeat);
    this.channel?.end();
    for (const resolve of this.pending.values()) resolve(undefined);
    this.pending.clear();
  }

  /** Discovery runs, no server key is pinned, and the link dials the given address: that dial comes first. */
  private givenFirst(): boolean {
    return (
      this.options.discover !== undefined &&
      !this.options.serverPin?.key &&
      formatHostPort(this.address) === formatHostPort(this.given)
    );
  }

  private connect(): void {
    if (this.stopped) return;
    this.emit('state', 'connecting', {});
    const timeoutMs = this.options.timeoutMs ?? 3000;
    const deadAfterMs = this.options.deadAfterMs ?? 5000;
    const attempt = ++this.attempt;
    this.dialing = this.address;
    const done = () => attempt === this.attempt && (this.dialing = undefined);
    this.transport
      .dial(this.address, serverMessages, {
        connectTimeoutMs: this.givenFirst() ? Math.min(timeoutMs, DEFAULT_ADDRESS_DEADLINE_MS) : timeoutMs,
        idleTimeoutMs: Math.max(timeoutMs, deadAfterMs),
      })
      .then(
        (channel) => (attempt === this.attempt ? (done(), this.attach(channel)) : channel.destroy()),
        (err: unknown) =>
          attempt === this.attempt && (done(), this.closed(undefined, err instanceof Error ? err : undefined)),
      );
  }

  private attach(channel: Channel<ServerMessages>): void {
    if (this.stopped) {
      channel.destroy();
      return;
    }
    const impostor = channel.identity && this.options.serverPin?.check(channel.identity.publicKey, this.display);
    if (impostor) {
      // Not a server that cannot be reached: one this peer must not join (exit 2), whatever it would answer.
      channel.destroy();
      this.emit('refused', 'P2P_ERR_IDENTITY', impostor, !this.joinedOnce, true);
      this.stop();
      return;
    }
    this.channel = channel;
    channel.on('message', (msg) => this.onMessage(msg));
    channel.on('close', (err) => this.closed(channel, err));
    const info = this.joinInfo();
    channel.send('join', {
      flag: 'p2p',
      name: info.name,
      id: info.id,
      host: info.host,
      ...(info.port ? { port: info.port } : {}),
      version: PROTOCOL_VERSION,
    });
  }

  /** The connection closed, or could not be made: say so and retry with backoff. */
  private closed(channel: Channel<ServerMessages> | undefined, err?: Error): void {
    if (channel) clearInterval(this.heartbeat);
    if (channel !== this.channel || this.stopped) return;
    const keyProblem = err instanceof MeshHandshakeError ? this.keyRefusal(err) : undefined;
    if (keyProblem && !this.joinedOnce) {
      // Not a server that cannot be reached: one that will never take this peer as it is (exit 2).
      this.emit('refused', 'P2P_ERR_MESH_KEY', keyProblem, true, true);
      this.stop();
      return;
    }
    this.channel = undefined;
    const wasLive = this.live;
    this.live = false;
    const retryInMs = this.retry.schedule();
    const message = err ? describeError(err) : 'connection closed';
    this.emit('state', wasLive ? 'lost' : 'unreachable', { retryInMs, message });
  }

  /** The sentence for a mesh-key mismatch with the server, or undefined for a failure worth retrying. */
  private keyRefusal(err: MeshHandshakeError): string | undefined {
    const key = this.options.keyFile ?? 'the mesh key';
    if (err.failure === 'wrong-key')
      return `the metadata server at ${this.display} refused this peer's mesh key (${key}): copy the server's mesh.key here, or pass --key-file`;
    if (err.failure === 'far-end-open')
      return `the metadata server at ${this.display} runs an open mesh (--open) but this peer has a mesh key (${key}): start this peer with --open too, or the server without it`;
    if (err.failure === 'far-end-keyed')
      return `the metadata server at ${this.display} runs a keyed mesh and this peer runs --open: start the peer without --open, with a copy of the server's mesh.key`;
    return undefined;
  }

  private onMessage(msg: Tagged<ServerMessages>): void {
    switch (msg.kind) {
      case 'welcome':
        this.reach.note(msg.body.reach);
        // Heartbeats start at admission: the server drops a silent connection, and dialling referrals takes time.
        clearInterval(this.heartbeat);
        this.heartbeat = setInterval(
          () => this.channel?.send('heartbeat', this.beat()),
          this.options.heartbeatIntervalMs ?? 1000,
        );
        this.emit('welcome', msg.body, this.joinedOnce);
        return;
      case 'refused':
        this.emit('refused', msg.body.code, msg.body.reason, !this.joinedOnce);
        if (this.joinedOnce)
          this.channel?.end(); // re-registration refused: keep serving the mesh, retry later
        else this.stop();
        return;
      case 'heartbeat-ack':
        this.reach.note(msg.body.reach);
        if (msg.body.link.length > 0) this.emit('link', msg.body.link);
        return;
      case 'peers':
      case 'files':
      case 'custody-plan': {
        const resolve = this.pending.get(msg.body.rid);
        this.pending.delete(msg.body.rid);
        resolve?.(msg.kind === 'peers' ? msg.body.peers : msg.kind === 'files' ? msg.body.entries : msg.body);
        return;
      }
      case 'stop':
        this.emit('stop', msg.body.reason);
        return;
      case 'trust':
        this.emit('trust', msg.body);
        return;
      default:
        this.channel?.destroy(new P2pError('P2P_ERR_UNEXPECTED_MESSAGE', `the server sent ${msg.kind}`));
    }
  }
}
