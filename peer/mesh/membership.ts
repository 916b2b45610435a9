import { describeError } from '../../common/errors.js';
import { formatHostPort } from '../../common/host-port.js';
import type { PeerRef } from '../../common/wire/shapes.js';
import type { PeerContext } from '../peer-context.js';
import type { PeerListener } from '../transport/peer-listener.js';
import type { NeighbourSet } from './neighbour-set.js';
import type { ServerLink } from './server-link.js';

/**
 * After re-registering, repair advice is not followed for this long (ms) while this peer has neighbours: a restarted
 * server hears the peers one by one and, until each has re-registered and reported its neighbours, sees a split
 * mesh that is whole (docs/PROTOCOL.md "Peer ↔ metadata server", re-registration). Advice it repeats after this
 * (every 3 s while the split lasts) is followed.
 */
export const REJOIN_QUIET_MS = 5000;

export interface MembershipHooks {
  /** Joined for the first time: listening, linked to the referrals, the slot live. */
  ready(): void;
  /** The first join was refused (the process exits 2). */
  refused(code: string): void;
  /** The metadata server asks every peer to leave (`Stop all` from another peer). */
  stopAsked(reason: string): void;
}

/**
 * This peer's place in the mesh, as the metadata server grants it: on `welcome` listen on the assigned port (or
 * ask for another when it is busy here), link to the referrals, then tell the server the slot is live; re-register
 * after the server restarts, keeping the port; follow the server's repair advice; report refusals and the server's
 * state as events.
 */
export class Membership {
  /** The listening port, 0 until the first welcome. */
  port = 0;
  private joined = false;
  /** When this peer last re-registered (ms, Date.now()), 0 before. */
  private rejoinedAt = 0;

  constructor(
    private readonly ctx: PeerContext,
    private readonly host: string,
    private readonly server: ServerLink,
    private readonly listener: PeerListener,
    private readonly neighbours: NeighbourSet,
    private readonly hooks: MembershipHooks,
  ) {
    server.on('state', (state, detail) => {
      const via = server.via ? { via: server.via } : {};
      ctx.emit({ event: 'server', state, address: server.display, ...via, ...detail });
    });
    server.on('welcome', (body, rejoin) => void this.onWelcome(body.port, body.referrals, rejoin));
    server.on('refused', (code, reason, first, local) => {
      ctx.emit({ event: 'error', message: local ? reason : `the metadata server refused this peer: ${reason}` });
      if (first) hooks.refused(code);
    });
    server.on('link', (refs) => this.repair(refs));
    server.on('log', (message, level) => ctx.log(message, level));
    server.on('stop', (reason) => hooks.stopAsked(reason));
    neighbours.on('up', () => server.reportNeighbours());
    neighbours.on('down', () => server.reportNeighbours());
  }

  private async onWelcome(port: number, referrals: PeerRef[], rejoin: boolean): Promise<void> {
    if (this.port === 0) {
      try {
        await this.listener.listen(this.host, port);
      } catch (err) {
        const why = describeError(err);
        this.ctx.log(
          `cannot listen on ${this.host}:${port} (${why}); asking the metadata server for another port`,
          'warn',
        );
        this.server.portBusy(port);
        return;
      }
      this.port = port;
    }
    const again = rejoin || this.joined;
    // Link to the referrals first: the server refers newcomers only to peers that said `listening`. A peer that
    // re-registers with its links standing (the server restarted) keeps them as they are: dialling its referrals
    // would add links the mesh does not need, and change the topology everyone sees.
    if (!again || this.neighbours.size === 0) await Promise.all(referrals.map((ref) => this.neighbours.dial(ref)));
    this.server.listening(this.port);
    if (again) {
      this.rejoinedAt = Date.now();
      this.ctx.log(`re-registered with the metadata server at ${this.server.display}`);
      return;
    }
    this.joined = true;
    this.hooks.ready();
  }

  /** The server saw the mesh split: dial the peers it advises. */
  private repair(refs: PeerRef[]): void {
    if (this.neighbours.size > 0 && Date.now() - this.rejoinedAt < REJOIN_QUIET_MS) return;
    for (const ref of refs) {
      if (this.neighbours.get(ref.name)) continue;
      this.ctx.log(`mesh repair: dialling ${ref.name} at ${formatHostPort(ref)} as the metadata server advised`);
      void this.neighbours.dial(ref);
    }
  }
}
