import { EventEmitter } from 'eventemitter3';
import { P2pError, TimeoutError, describeError } from '../../common/errors.js';
import type { Tagged } from '../../common/message-table.js';
import { peerMessages, type PeerMessages } from '../../common/wire/peer-messages.js';
import type { PeerRef } from '../../common/wire/shapes.js';
import { NeighbourLink, type NeighbourLinkOptions } from './neighbour-link.js';
import type { PeerChannel } from '../transport/peer-listener.js';
import type { Dialer } from '../transport/transport.js';

/**
 * Most neighbour links a peer holds (docs/CONTRACT.md "Many hosts and the query trace"). The metadata server refers
 * newcomers to peers with fewer than 6 links while there are any (metadata-server/referral-policy.ts), so a peer
 * reaches this only when the server's picture lags behind racing dials: twice that leaves room for repair links and
 * crossed dials, and still keeps a flood's fan-out and a hub's load bounded.
 */
export const MAX_NEIGHBOURS = 12;

export interface NeighbourSetOptions extends NeighbourLinkOptions {
  /** Most links; a hello beyond it is declined with `bye` (the dialler reports P2P_ERR_NEIGHBOURS_FULL). Default MAX_NEIGHBOURS. */
  maxNeighbours?: number;
  /** Time allowed to connect and exchange hellos. Default 5000 ms. */
  dialTimeoutMs?: number;
  /**
   * The id the metadata server last listed live under `name`, if any: a hello naming a live peer with another id is
   * refused (peer/mesh/origin-check.ts keeps that list). Default: no list.
   */
  liveIdOf?: (name: string) => string | undefined;
}

export interface NeighbourSetEvents {
  up: (link: NeighbourLink) => void;
  down: (name: string, reason: string) => void;
  message: (link: NeighbourLink, msg: Tagged<PeerMessages>) => void;
  /** A dial or handshake failed; informational. */
  failed: (target: string, reason: string) => void;
}

type Hello = PeerMessages['hello'];

/**
 * The peer's persistent neighbour connections, one per neighbour name, symmetric: a link exists on both ends or on
 * neither. When two links to the same neighbour cross (both sides dialled at once), both ends keep the one dialled
 * by the smaller id and drop the other quietly.
 */
export class NeighbourSet extends EventEmitter<NeighbourSetEvents> {
  private readonly links = new Map<string, NeighbourLink>();
  private readonly dialing = new Set<string>();
  private stopped = false;

  constructor(
    private readonly self: () => Hello,
    private readonly transport: Dialer,
    private readonly options: NeighbourSetOptions = {},
  ) {
    super();
  }

  names(): string[] {
    return [...this.links.keys()].sort();
  }

  all(): NeighbourLink[] {
    return [...this.links.values()];
  }

  get(name: string): NeighbourLink | undefined {
    return this.links.get(name);
  }

  get size(): number {
    return this.links.size;
  }

  /** Dials `ref` unless it is us, already a neighbour, or being dialled. Never throws; failures emit `failed`. */
  async dial(ref: PeerRef): Promise<void> {
    const me = this.self();
    if (this.stopped || ref.name === me.name || this.links.has(ref.name) || this.dialing.has(ref.name)) return;
    this.dialing.add(ref.name);
    const timeoutMs = this.options.dialTimeoutMs ?? 5000;
    let channel: PeerChannel | undefined;
    try {
      const started = Date.now();
      channel = await this.transport.dial(ref, peerMessages, { idleTimeoutMs: timeoutMs, connectTimeoutMs: timeoutMs });
      const open = channel;
      const left = Math.max(1, timeoutMs - (Date.now() - started));
      const hello = await new Promise<Hello>((resolve, reject) => {
        const timer = setTimeout(() => reject(new TimeoutError(`hello from ${ref.name}`, timeoutMs)), left);
        open.once('message', (msg) => {
          clearTimeout(timer);
          if (msg.kind === 'hello') resolve(msg.body);
          // A bye instead of a hello: the far end declines the link (it holds its most neighbours). The metadata
          // server sees this peer's links in its heartbeats and advises another peer if it is left alone.
          else if (msg.kind === 'bye')
            reject(new P2pError('P2P_ERR_NEIGHBOURS_FULL', `${ref.name} declined the link: ${msg.body.reason}`));
          else reject(new P2pError('P2P_ERR_UNEXPECTED_MESSAGE', `expected hello, got ${msg.kind}`));
        });
        open.once('close', (err) => {
          clearTimeout(timer);
          reject(err ?? new P2pError('P2P_ERR_CLOSED', 'closed during the handshake'));
        });
        open.send('hello', this.self());
      });
      if (hello.name !== ref.name)
        throw new P2pError('P2P_ERR_UNEXPECTED_MESSAGE', `expected ${ref.name}, reached ${hello.name}`);
      // The metadata server vouched for ref.id (it checked the proof at join): the peer reached must prove it.
      const proved = channel.identity?.id;
      if (proved !== ref.id || hello.id !== ref.id)
        throw new P2pError(
          'P2P_ERR_IDENTITY',
          `${ref.name} at that address proved id ${proved ?? 'none'}, not ${ref.id}`,
        );
      if (this.stopped) throw new P2pError('P2P_ERR_CLOSED', 'this peer is leaving');
      this.add(channel, hello, me.id);
    } catch (err) {
      channel?.destroy();
      this.emit('failed', ref.name, describeError(err));
    } finally {
      this.dialing.delete(ref.name);
    }
  }

  /**
   * Takes a link a neighbour dialled: answers its hello, or closes it when it is ourselves or not who it says it is
   * (its hello's id is not the one its connection proved, or its name is a neighbour's or a live peer's with another
   * id: nobody takes over a name or a link without that peer's key).
   */
  accept(channel: PeerChannel, hello: Hello): void {
    const me = this.self();
    if (this.stopped || hello.name === me.name) {
      channel.destroy(new P2pError('P2P_ERR_UNEXPECTED_MESSAGE', `${hello.name} is this peer's own name`));
      return;
    }
    const impostor = this.impostor(channel, hello);
    if (impostor) {
      channel.destroy(new P2pError('P2P_ERR_IDENTITY', impostor));
      this.emit('failed', hello.name, impostor);
      return;
    }
    const max = this.options.maxNeighbours ?? MAX_NEIGHBOURS;
    if (!this.links.has(hello.name) && this.links.size >= max) {
      const reason = `${me.name} holds ${this.links.size} neighbours, its most`;
      channel.send('bye', { reason });
      channel.end();
      this.emit('failed', hello.name, `declined its link: ${reason}`);
      return;
    }
    channel.send('hello', me);
    this.add(channel, hello, hello.id);
  }

  /** Sends to every neighbour but `except`; returns how many were sent to. */
  broadcast<K extends keyof PeerMessages & string>(kind: K, body: PeerMessages[K], except?: string): number {
    let n = 0;
    for (const link of this.links.values()) {
      if (link.name === except) continue;
      link.send(kind, body);
      n++;
    }
    return n;
  }

  /** Says bye to everyone and closes every link. Idempotent. */
  closeAll(reason: string): void {
    this.stopped = true;
    for (const link of this.links.values()) link.close(reason);
  }

  /** Why an accepted hello is not from the peer it names, or undefined. */
  private impostor(channel: PeerChannel, hello: Hello): string | undefined {
    const proved = channel.identity?.id;
    if (proved !== hello.id)
      return `a hello as ${hello.name} (id ${hello.id}) came over a connection that proved id ${proved ?? 'none'}`;
    const linked = this.links.get(hello.name);
    if (linked && linked.ref.id !== hello.id)
      return `a hello as ${hello.name} with id ${hello.id}, but the neighbour ${hello.name} is linked with id ${linked.ref.id}`;
    const live = this.options.liveIdOf?.(hello.name);
    if (live !== undefined && live !== hello.id)
      return `a hello as ${hello.name} with id ${hello.id}, but the metadata server lists ${hello.name} with id ${live}`;
    return undefined;
  }

  private add(channel: PeerChannel, hello: Hello, dialerId: string): void {
    const ref: PeerRef = { name: hello.name, id: hello.id, host: hello.host, port: hello.port };
    const link = new NeighbourLink(channel, ref, dialerId, this.options);
    const existing = this.links.get(ref.name);
    // The same peer (same proved id) at another address has restarted there (docs/SECURITY.md "Identities"): the link
    // to its old address is stale, whoever dialled it, and may take seconds to time out (a host that lost power).
    const moved = existing !== undefined && (existing.ref.host !== ref.host || existing.ref.port !== ref.port);
    if (existing) {
      // Crossed dials: both ends keep the link dialled by the smaller id.
      const keepNew = moved || dialerId < existing.dialerId;
      const loser = keepNew ? existing : link;
      loser.superseded = true;
      loser.close();
      if (!keepNew) return;
    }
    this.links.set(ref.name, link);
    link.on('message', (msg) => this.emit('message', link, msg));
    link.on('close', (reason) => {
      if (this.links.get(ref.name) !== link) return;
      this.links.delete(ref.name);
      if (!link.superseded) this.emit('down', ref.name, reason);
    });
    if (!existing || moved) this.emit('up', link);
  }
}
