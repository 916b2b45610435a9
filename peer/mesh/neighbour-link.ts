import { performance } from 'node:perf_hooks';
import { EventEmitter } from 'eventemitter3';
import type { Tagged } from '../../common/message-table.js';
import type { PeerMessages } from '../../common/wire/peer-messages.js';
import type { PeerRef } from '../../common/wire/shapes.js';
import type { PeerChannel } from '../transport/peer-listener.js';
import { P2pError } from '../../common/errors.js';
import { FLOOD_BURST, FLOOD_RATE_PER_S, FloodRate } from './flood-rate.js';
import type { NeighbourStats } from '../control/peer-events.js';

export interface NeighbourLinkOptions {
  /** How often to ping, which also measures round-trip time. Default 1000 ms. */
  pingIntervalMs?: number;
  /**
   * Silence after which the neighbour counts as lost (a hung host, a pulled cable): nothing RECEIVED for this long,
   * whatever we keep sending (docs/PROTOCOL.md#liveness). Default 5000 ms.
   */
  deadAfterMs?: number;
}

export interface NeighbourLinkEvents {
  message: (msg: Tagged<PeerMessages>) => void;
  /** The link closed; `graceful` when the neighbour said bye. */
  close: (reason: string, graceful: boolean) => void;
}

/**
 * One persistent connection to a neighbour, after the hello exchange: keeps it alive with pings (which measure the
 * round-trip time the dashboard shows), answers pongs, and reports why it closed.
 */
export class NeighbourLink extends EventEmitter<NeighbourLinkEvents> {
  readonly since = Date.now();
  rttMs: number | null = null;
  private readonly timer: NodeJS.Timeout;
  private byeReason: string | undefined;
  /** Set when the link is dropped as a duplicate; its close then means nothing to the mesh. */
  superseded = false;
  private readonly floodRate = new FloodRate(performance.now());

  constructor(
    readonly channel: PeerChannel,
    readonly ref: PeerRef,
    /** Id of the peer that dialled this link: the tie-break when two links to one neighbour cross. */
    readonly dialerId: string,
    options: NeighbourLinkOptions = {},
  ) {
    super();
    channel.setIdleTimeout(options.deadAfterMs ?? 5000);
    this.timer = setInterval(
      () => channel.send('ping', { n: Math.round(performance.now() * 1000) }),
      options.pingIntervalMs ?? 1000,
    );
    channel.on('message', (msg) => this.onMessage(msg));
    channel.on('close', (err) => {
      clearInterval(this.timer);
      const graceful = this.byeReason !== undefined;
      this.emit('close', this.byeReason ?? (err ? err.message : 'connection closed'), graceful);
    });
  }

  get name(): string {
    return this.ref.name;
  }

  send<K extends keyof PeerMessages & string>(kind: K, body: PeerMessages[K]): boolean {
    return this.channel.send(kind, body);
  }

  stats(): NeighbourStats {
    return {
      ...this.ref,
      since: this.since,
      bytesIn: this.channel.bytesIn,
      bytesOut: this.channel.bytesOut,
      rttMs: this.rttMs,
    };
  }

  /** Says bye (when a reason is given) and closes. Idempotent. */
  close(reason?: string): void {
    clearInterval(this.timer);
    if (reason !== undefined && this.channel.isOpen) this.channel.send('bye', { reason });
    this.channel.end();
  }

  private onMessage(msg: Tagged<PeerMessages>): void {
    switch (msg.kind) {
      case 'ping':
        this.channel.send('pong', { n: msg.body.n });
        return;
      case 'pong':
        this.rttMs = Math.max(0, performance.now() - msg.body.n / 1000);
        return;
      case 'bye':
        this.byeReason = `left: ${msg.body.reason}`;
        this.channel.end();
        return;
      case 'query':
      case 'topo-query':
        return this.flooded(msg);
      default:
        this.emit('message', msg);
    }
  }

  /** A flooded request counts against this neighbour's rate: beyond it, dropped; far beyond it, the link is cut. */
  private flooded(msg: Tagged<PeerMessages>): void {
    const verdict = this.floodRate.take(performance.now());
    if (verdict === 'pass') return void this.emit('message', msg);
    if (verdict === 'drop') return;
    this.channel.destroy(
      new P2pError(
        'P2P_ERR_BUFFER_OVERFLOW',
        `flooded more than ${FLOOD_BURST} requests at once and ${FLOOD_RATE_PER_S} a second: link cut`,
      ),
    );
  }
}
