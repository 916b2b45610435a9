import { randomBytes } from 'node:crypto';
import type { NetworkInterfaceInfo } from 'node:os';
import { DiscoverySocket } from '../common/discovery-socket.js';
import { formatHostPort, type HostPort } from '../common/host-port.js';
import { lanInterfaceOf } from '../common/lan-interface.js';
import { DropLog } from '../common/drop-log.js';
import type { SigningKey } from '../common/signing-key.js';
import {
  decodeDatagram,
  discoveryAuth,
  encodeAnnouncement,
  MAX_DISCOVERY_DATAGRAM_BYTES,
  NONCE_BYTES,
  type DiscoveryAuth,
} from '../common/wire/announcement.js';

/** Announcements a second apart while peers started with the server are looking for it, then slower. */
export const DEFAULT_FAST_ANNOUNCEMENTS = 5;
export const DEFAULT_FAST_INTERVAL_MS = 1000;
/** Then every 5 s: a peer that looks queries and is answered at once, so the slow beat is only a fallback. */
export const DEFAULT_SLOW_INTERVAL_MS = 5000;
/** Answers to queries, at most this many a second (a member cannot make the server flood the LAN). */
export const DEFAULT_MAX_ANSWERS_PER_SECOND = 20;

export interface AnnouncerOptions {
  /** Where the server listens: announced as is (an IPv4 address of one of this machine's interfaces). */
  listening: HostPort;
  /** The server's identity key: every announcement is signed with it. */
  identity: SigningKey;
  /** The mesh key (announcements and the queries answered are MACed with a key derived from it); none: `--open`. */
  meshKey: Buffer | undefined;
  /** The UDP discovery port (common/discovery-socket.ts DISCOVERY_PORT unless overridden). */
  discoveryPort: number;
  log: (line: string) => void;
  /** Announcements at `fastIntervalMs` after start, then every `slowIntervalMs`. Defaults 5, 1000 ms, 5000 ms. */
  fastAnnouncements?: number;
  fastIntervalMs?: number;
  slowIntervalMs?: number;
  maxAnswersPerSecond?: number;
  /** The interface table (tests); default os.networkInterfaces(). */
  interfaces?: NodeJS.Dict<NetworkInterfaceInfo[]>;
  /** Clock (ms since epoch) written into announcements; default Date.now. */
  now?: () => number;
}

/**
 * The metadata server says where it is on its LAN (docs/CONTRACT.md "Mirror, discovery and bandwidth"): a signed
 * (and, in a keyed mesh, MACed) announcement of its address, broadcast only on the interface that holds it,
 * periodically and in answer to a peer's query (docs/PROTOCOL.md "Discovery datagrams").
 */
export class Announcer {
  private socket: DiscoverySocket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly auth: DiscoveryAuth;
  /** A source whose datagrams are dropped is named in the log at most once a minute. */
  private readonly drops: DropLog;
  private sent = 0;
  private answerWindow = { start: 0, count: 0 };
  private stopped = false;

  constructor(private readonly options: AnnouncerOptions) {
    this.auth = discoveryAuth(options.meshKey);
    this.drops = new DropLog((source, why) => options.log(`discovery: dropped a datagram from ${source}: ${why}`));
  }

  /** Binds and sends the first announcement; false, with one log line saying why, when it cannot announce here. */
  async start(): Promise<boolean> {
    const { listening, log } = this.options;
    const lan = lanInterfaceOf(listening.host, this.options.interfaces);
    if ('problem' in lan) {
      log(`not announcing on the LAN: ${lan.problem}; peers need --server ${formatHostPort(listening)}`);
      return false;
    }
    const socket = new DiscoverySocket(lan, this.options.discoveryPort);
    try {
      await socket.start();
    } catch (err) {
      log(`not announcing on the LAN: cannot listen on ${socket.where}: ${(err as Error).message}`);
      return false;
    }
    if (this.stopped) return (void socket.stop(), false);
    this.socket = socket;
    socket.on('datagram', (data, from) => this.onDatagram(data, from.address));
    // A failing send (the interface went down) is said once a minute, like a dropped datagram.
    const problems = new DropLog((_, message) => log(`discovery: ${message}`));
    socket.on('problem', (message) => problems.dropped('socket', message));
    const how = this.auth.keyed ? 'signed, with the mesh key' : 'signed, without a mesh key (--open: unauthenticated)';
    log(`announcing ${formatHostPort(listening)} on ${socket.where}, ${how}`);
    this.announce();
    return true;
  }

  /** Stops announcing and closes the sockets. Idempotent. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.socket?.stop();
  }

  private announce(echo?: Buffer): void {
    const { listening, identity } = this.options;
    const fields = { time: (this.options.now ?? Date.now)(), nonce: randomBytes(NONCE_BYTES), ...listening };
    this.socket?.send(encodeAnnouncement({ ...fields, ...(echo ? { echo } : {}) }, identity, this.auth));
    if (echo) return;
    this.sent++;
    const fast = this.sent < (this.options.fastAnnouncements ?? DEFAULT_FAST_ANNOUNCEMENTS);
    const next = fast
      ? (this.options.fastIntervalMs ?? DEFAULT_FAST_INTERVAL_MS)
      : (this.options.slowIntervalMs ?? DEFAULT_SLOW_INTERVAL_MS);
    clearTimeout(this.timer);
    if (!this.stopped) this.timer = setTimeout(() => this.announce(), next);
  }

  private onDatagram(data: Buffer, source: string): void {
    if (data.length > MAX_DISCOVERY_DATAGRAM_BYTES) return this.drops.dropped(source, `${data.length} bytes, too long`);
    const decoded = decodeDatagram(data, this.auth);
    if (!decoded.ok) return this.drops.dropped(source, decoded.reason);
    // Announcements (its own, or another server's) need no answer.
    if (decoded.datagram.kind !== 'query') return;
    const now = Date.now();
    if (now - this.answerWindow.start >= 1000) this.answerWindow = { start: now, count: 0 };
    if (++this.answerWindow.count > (this.options.maxAnswersPerSecond ?? DEFAULT_MAX_ANSWERS_PER_SECOND))
      return this.drops.dropped(source, 'too many queries: answers are limited');
    this.announce(decoded.datagram.nonce);
  }
}
