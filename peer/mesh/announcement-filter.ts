import { SeenCache } from '../../common/seen-cache.js';
import { idOfPublicKey } from '../../common/signing-key.js';
import { NO_ECHO, type Announcement } from '../../common/wire/announcement.js';

/**
 * An announcement that answers no query of ours is taken only if its time is within this much of our clock: a
 * recorded one replayed later is refused. Clocks of a LAN's machines agree far better than that; a peer whose clock
 * is off still finds the server, through the answers to its own queries, which echo the query's nonce.
 */
export const ANNOUNCEMENT_WINDOW_MS = 10_000;

export interface AnnouncementFilterOptions {
  /** The metadata server's key as pinned by this peer (peer/files/server-pin.ts), if any. */
  pin: () => Buffer | undefined;
  /** Default ANNOUNCEMENT_WINDOW_MS. */
  windowMs?: number;
  /** Clock, ms since epoch; default Date.now. */
  now?: () => number;
}

/**
 * What a peer requires of an authentic announcement (docs/SECURITY.md "Discovery") before it dials the address in
 * it: sent from the address it names, by the pinned server when one is pinned, fresh (an answer to one of our recent
 * queries, or a time within the window), and never seen before (each announcement's nonce is remembered).
 */
export class AnnouncementFilter {
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly asked: SeenCache;
  private readonly seen: SeenCache;

  constructor(private readonly options: AnnouncementFilterOptions) {
    this.windowMs = options.windowMs ?? ANNOUNCEMENT_WINDOW_MS;
    this.now = options.now ?? Date.now;
    this.asked = new SeenCache({ ttlMs: this.windowMs, maxEntries: 64, now: this.now });
    // Remembered for twice the window: a nonce forgotten is one whose time no longer passes either.
    this.seen = new SeenCache({ ttlMs: 2 * this.windowMs, maxEntries: 10_000, now: this.now });
  }

  /** A query this peer sent: an answer echoing its nonce is fresh, whatever the clocks say. */
  asking(nonce: Buffer): void {
    this.asked.add(nonce.toString('hex'), true);
  }

  /** Undefined when `a`, received from `source`, may be followed; otherwise the reason it is dropped. */
  check(a: Announcement, source: string): string | undefined {
    if (source !== a.host) return `it names ${a.host} but came from ${source}`;
    const refusal = this.pinRefusal(a);
    if (refusal) return refusal;
    const answer = !a.echo.equals(NO_ECHO) && this.asked.has(a.echo.toString('hex'));
    const age = this.now() - a.time;
    if (!answer && Math.abs(age) > this.windowMs)
      return `stale: its time is ${(Math.abs(age) / 1000).toFixed(1)} s ${age > 0 ? 'old' : 'ahead'} (replayed, or clocks disagree)`;
    if (!this.seen.add(a.nonce.toString('hex'), true)) return 'replayed (its nonce was seen already)';
    return undefined;
  }

  /**
   * Undefined when no server key is pinned or `a` is signed by the pinned one; otherwise why it is dropped. Checked
   * again when an announcement held while the first dial ran is followed (./server-finder.ts): that dial may have
   * pinned another server meanwhile. Without a pin, peer/mesh/server-link.ts lets a server at the default address
   * win over any announcement.
   */
  pinRefusal(a: Announcement): string | undefined {
    const pin = this.options.pin();
    if (pin && !pin.equals(a.serverKey))
      return `server id ${idOfPublicKey(a.serverKey)} is not the pinned metadata server ${idOfPublicKey(pin)}`;
    return undefined;
  }
}
