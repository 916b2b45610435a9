import type { ChannelThrottle } from '../../common/channel.js';
import { TokenBucket } from '../../common/token-bucket.js';
import type { PeerEventBody } from '../control/peer-events.js';
import type { Dialer } from '../transport/transport.js';

/** The caps in bytes per second; null (or absent) is no cap. */
export interface BandwidthLimits {
  up?: number | null;
  down?: number | null;
}

/** Which way a transfer connection carries file bytes from this peer's point of view. */
export type TransferDirection = 'up' | 'down';

/** Anything `Bandwidth.attach` can pace: a framed connection (common/channel.ts). */
export interface Throttleable {
  setThrottle(throttle: ChannelThrottle): void;
}

/**
 * The peer's bandwidth caps (`--max-up`, `--max-down`, `limit`; docs/CONTRACT.md "Mirror, discovery and
 * bandwidth"): one token bucket per direction, shared by every transfer connection of the peer together, whatever
 * room opened it (downloads, uploads, custody, the backup peer, the mirror). A part that opens a transfer
 * connection plugs it in with one call, `attach(channel, 'down')` where it receives file bytes or
 * `attach(channel, 'up')` where it sends them: reading then pauses while the down bucket is empty (TCP slows the
 * sender; nothing is buffered beyond one socket read), and writes wait for the up bucket slice by slice, in order,
 * behind the socket's own backpressure. Neighbour links and the metadata server's link are never attached: searches,
 * pings and TOPO keep their speed however busy the capped transfers are. A new cap applies at once to transfers
 * already running.
 */
export class Bandwidth {
  private readonly buckets: Record<TransferDirection, TokenBucket>;

  constructor(limits: BandwidthLimits = {}) {
    this.buckets = {
      up: new TokenBucket({ rate: limits.up ?? null }),
      down: new TokenBucket({ rate: limits.down ?? null }),
    };
  }

  /** Paces `channel`'s file bytes in `direction` against the peer-wide cap; returns it, for use in an expression. */
  attach<C extends Throttleable>(channel: C, direction: TransferDirection): C {
    channel.setThrottle(direction === 'down' ? { read: this.buckets.down } : { write: this.buckets.up });
    return channel;
  }

  /** `dialer` whose every connection is attached in `direction` (a part that dials only for transfers). */
  dialer(dialer: Dialer, direction: TransferDirection): Dialer {
    return { dial: async (...args) => this.attach(await dialer.dial(...args), direction) } as Dialer;
  }

  /** Sets one cap (null lifts it). */
  set(direction: TransferDirection, bytesPerSecond: number | null): void {
    this.buckets[direction].setRate(bytesPerSecond);
  }

  /** The caps now, as the `limits` event reports them. */
  limits(): PeerEventBody & { event: 'limits' } {
    return { event: 'limits', up: this.buckets.up.limit, down: this.buckets.down.limit };
  }

  get capped(): boolean {
    return this.buckets.up.limit !== null || this.buckets.down.limit !== null;
  }

  /** The `limit` command: changes what it names, then answers with the caps now. */
  command(change: { up?: number | null; down?: number | null }): PeerEventBody & { event: 'limits' } {
    if (change.up !== undefined) this.set('up', change.up);
    if (change.down !== undefined) this.set('down', change.down);
    return this.limits();
  }

  /** Lets every waiting transfer go (the peer is leaving). */
  stop(): void {
    this.buckets.up.stop();
    this.buckets.down.stop();
  }
}
