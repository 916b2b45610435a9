/**
 * What one address may hold at the metadata server (docs/SECURITY.md "Limits"): open connections, and join slots
 * (joining or live). Without these, a stranger joining under made-up names fills the mesh and every real newcomer
 * is refused as "mesh full". The server's own machine (loopback: 127.0.0.1, ::1) is exempt, so one machine can run
 * a whole mesh (the demo, the tests); any other loopback address such as 127.0.0.2 is capped like a LAN host.
 */

/** Connections one address may have open at once (a peer needs one; room for a re-join and a `list`). */
export const DEFAULT_MAX_CONNECTIONS_PER_HOST = 8;
/** Join slots (joining or live peers) one address may hold. */
export const DEFAULT_MAX_SLOTS_PER_HOST = 3;

const OWN_MACHINE = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** What the limits need to know of a connection. */
export interface HostedConnection {
  readonly remoteHost: string;
  /** It sent a join that is being served or was admitted. */
  readonly holdsSlot: boolean;
}

export interface HostLimitOptions {
  maxConnectionsPerHost?: number;
  maxSlotsPerHost?: number;
}

export class HostLimits {
  private readonly maxConnections: number;
  private readonly maxSlots: number;

  constructor(options: HostLimitOptions = {}) {
    this.maxConnections = options.maxConnectionsPerHost ?? DEFAULT_MAX_CONNECTIONS_PER_HOST;
    this.maxSlots = options.maxSlotsPerHost ?? DEFAULT_MAX_SLOTS_PER_HOST;
  }

  /** Why a new connection from `host` is refused at accept, or undefined when it may stay. */
  connectionRefusal(host: string, open: Iterable<HostedConnection>): string | undefined {
    if (OWN_MACHINE.has(host)) return undefined;
    const count = countOf(open, (c) => c.remoteHost === host);
    if (count < this.maxConnections) return undefined;
    return `${host} already has ${count} connections open (at most ${this.maxConnections} per address)`;
  }

  /** Why a join from `host` is refused before it reaches the registry, or undefined when it may try. */
  slotRefusal(host: string, open: Iterable<HostedConnection>): string | undefined {
    if (OWN_MACHINE.has(host)) return undefined;
    const held = countOf(open, (c) => c.remoteHost === host && c.holdsSlot);
    if (held < this.maxSlots) return undefined;
    return `${host} already holds ${held} of the mesh's places (at most ${this.maxSlots} per address): stop a peer on that machine first`;
  }
}

function countOf<T>(items: Iterable<T>, pred: (item: T) => boolean): number {
  let n = 0;
  for (const item of items) if (pred(item)) n++;
  return n;
}
