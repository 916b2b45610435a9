import { randomBytes } from 'node:crypto';
import type { NetworkInterfaceInfo } from 'node:os';
import { DiscoverySocket } from '../../common/discovery-socket.js';
import { describeError } from '../../common/errors.js';
import { formatHostPort, type HostPort } from '../../common/host-port.js';
import { lanInterfaceOf } from '../../common/lan-interface.js';
import type { MeshMode } from '../../common/mesh-tls.js';
import { DropLog } from '../../common/drop-log.js';
import { idOfPublicKey } from '../../common/signing-key.js';
import {
  decodeDatagram,
  discoveryAuth,
  encodeQuery,
  MAX_DISCOVERY_DATAGRAM_BYTES,
  NONCE_BYTES,
  type Announcement,
  type DiscoveryAuth,
} from '../../common/wire/announcement.js';
import { AnnouncementFilter } from './announcement-filter.js';

/** Queries while looking: at once, then after these delays (ms, the last repeats; plus up to 20% jitter). */
export const QUERY_BACKOFFS_MS = [500, 1000, 2000, 3000];
/** Still nothing found after this long: say so; then again every STILL_LOOKING_REPEAT_MS while it lasts. */
export const STILL_LOOKING_MS = 3000;
export const STILL_LOOKING_REPEAT_MS = 30_000;

/** What the finder needs of the server link (./server-link.ts): where it dials now, and to dial elsewhere. */
export interface FinderLink {
  /** The address the link dials now. */
  display(): string;
  /**
   * Dial `address` now unless a connection is up; false when it does not; `later` when a dial that comes first is
   * in flight (./server-link.ts `retarget`): the finder offers the address again once the link is not connected.
   */
  retarget(address: HostPort): boolean | 'later';
  log(message: string, level: 'info' | 'warn'): void;
}

export interface ServerFinderOptions {
  /** The peer's own address (`--host`): discovery uses only the interface that holds it. */
  host: string;
  /** Keyed: only announcements MACed with the mesh key are taken; `--open`: open, unauthenticated ones. */
  mesh: MeshMode;
  /** The UDP discovery port (common/discovery-socket.ts). */
  port: number;
  /** The pinned metadata server key (peer/files/server-pin.ts): only that server's announcements are followed. */
  pin: () => Buffer | undefined;
  /** Default QUERY_BACKOFFS_MS. */
  queryBackoffs?: number[];
  /** Interface table (tests); default os.networkInterfaces(). */
  interfaces?: NodeJS.Dict<NetworkInterfaceInfo[]>;
}

/**
 * Finds the metadata server for a peer started without `--server` (docs/CONTRACT.md "Mirror, discovery and
 * bandwidth"): while the server link is not connected it broadcasts queries on its own interface and listens for
 * announcements (docs/PROTOCOL.md "Discovery datagrams"); the first one that passes the checks
 * (common/wire/announcement.ts, ./announcement-filter.ts) retargets the link to the address it names, and nothing
 * else. Once connected it stays quiet; when the server is lost it looks again, so a server that comes back
 * elsewhere is found again.
 */
export class ServerFinder {
  private socket: DiscoverySocket | undefined;
  private readonly auth: DiscoveryAuth;
  private readonly filter: AnnouncementFilter;
  /** A source whose datagrams are dropped is named in the log at most once a minute. */
  private readonly drops = new DropLog((source, why) =>
    this.log(`discovery: dropped a datagram from ${source}: ${why}`, 'warn'),
  );
  private looking = false;
  private queries = 0;
  private queryTimer: NodeJS.Timeout | undefined;
  private stillTimer: NodeJS.Timeout | undefined;
  private lastFound = '';
  private stopped = false;
  /** An announcement that passed the checks while the link's first dial was in flight: offered again by `look`. */
  private held: Announcement | undefined;

  constructor(
    private readonly server: FinderLink,
    private readonly options: ServerFinderOptions,
  ) {
    this.auth = discoveryAuth(options.mesh.keyed ? options.mesh.key : undefined);
    this.filter = new AnnouncementFilter({ pin: options.pin });
  }

  /** Binds the discovery socket on the peer's interface and starts looking. Never throws: a problem is logged. */
  async start(): Promise<void> {
    const lan = lanInterfaceOf(this.options.host, this.options.interfaces);
    if ('problem' in lan) {
      this.log(`cannot look for the metadata server on the LAN: ${lan.problem}; pass --server HOST:PORT`, 'warn');
      return;
    }
    const socket = new DiscoverySocket(lan, this.options.port);
    try {
      await socket.start();
    } catch (err) {
      this.log(`cannot look for the metadata server on ${socket.where}: ${describeError(err)}`, 'warn');
      return;
    }
    if (this.stopped) return socket.stop();
    this.socket = socket;
    socket.on('datagram', (data, from) => this.onDatagram(data, from.address));
    // A failing send (the interface went down) is said once a minute, like a dropped datagram.
    const problems = new DropLog((_, message) => this.log(`discovery: ${message}`, 'warn'));
    socket.on('problem', (message) => problems.dropped('socket', message));
    this.log(`no --server: looking for the metadata server's announcements on ${socket.where}`);
    this.look();
  }

  /** Stops looking and closes the socket. Idempotent. */
  stop(): void {
    this.stopped = true;
    this.pause();
    this.socket?.stop();
  }

  /** The link is not connected: look (again), unless looking already; and offer an announcement held meanwhile. */
  look(): void {
    const held = this.held;
    // Not within the link's own state event: it has just scheduled its retry, which following the held one resets.
    if (held) setImmediate(() => this.held === held && this.looking && this.follow(held));
    if (this.looking || this.stopped || !this.socket) return;
    this.looking = true;
    this.queries = 0;
    this.query();
    const still = () => {
      this.log(
        `no metadata server found yet: none answers at ${this.server.display()} and none announced itself on ` +
          `${this.socket?.where}; still looking (start metadata-server, or pass --server HOST:PORT)`,
        'warn',
      );
      this.stillTimer = setTimeout(still, STILL_LOOKING_REPEAT_MS);
    };
    this.stillTimer = setTimeout(still, STILL_LOOKING_MS);
  }

  /** The link is connected: stop querying, and ignore announcements. */
  pause(): void {
    this.looking = false;
    this.held = undefined;
    clearTimeout(this.queryTimer);
    clearTimeout(this.stillTimer);
  }

  private query(): void {
    if (!this.looking || !this.socket) return;
    const nonce = randomBytes(NONCE_BYTES);
    this.filter.asking(nonce);
    this.socket.send(encodeQuery(nonce, this.auth));
    const backoffs = this.options.queryBackoffs ?? QUERY_BACKOFFS_MS;
    const base = backoffs[Math.min(this.queries++, backoffs.length - 1)]!;
    this.queryTimer = setTimeout(() => this.query(), Math.round(base * (1 + Math.random() * 0.2)));
  }

  private onDatagram(data: Buffer, source: string): void {
    // Joined: announcements are not needed, and not even decoded.
    if (!this.looking) return;
    if (data.length > MAX_DISCOVERY_DATAGRAM_BYTES) return this.drops.dropped(source, `${data.length} bytes, too long`);
    const decoded = decodeDatagram(data, this.auth);
    if (!decoded.ok) return this.drops.dropped(source, decoded.reason);
    const a = decoded.datagram;
    if (a.kind !== 'announce') return; // queries: ours, or other peers' looking too
    const refusal = this.filter.check(a, source);
    if (refusal) return this.drops.dropped(source, refusal);
    this.follow(a);
  }

  /** Dials the server `a` announces, unless the link is connected; holds it while the link's first dial runs. */
  private follow(a: Announcement): void {
    this.held = undefined;
    // Held while the first dial ran, which may have pinned another server since.
    const refusal = this.filter.pinRefusal(a);
    if (refusal) return this.drops.dropped(a.host, refusal);
    const address = { host: a.host, port: a.port };
    const dials = this.server.retarget(address);
    if (dials === 'later') this.held = a;
    if (dials !== true) return;
    const where = formatHostPort(address);
    if (where === this.lastFound) return;
    this.lastFound = where;
    const id = idOfPublicKey(a.serverKey);
    this.log(`found the metadata server at ${where} by its announcement on ${this.socket?.where}; server id ${id}`);
  }

  private log(message: string, level: 'info' | 'warn' = 'info'): void {
    this.server.log(message, level);
  }
}
