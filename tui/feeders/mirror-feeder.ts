import type { MirrorOwnerStatus, PeerEvent } from '../../peer/control/peer-events.js';
import type { Feeder } from './feeder.js';

export interface MirrorView {
  /** This peer mirrors (`--mirror`): its `ready` said so, or it reported a mirror status. */
  active: boolean;
  /** Every owner this peer mirrors, by name, as the latest `mirror-status` gave them. */
  owners: MirrorOwnerStatus[];
  /** ms since epoch of the latest `mirror-status`, or null before the first. */
  updatedAt: number | null;
}

/**
 * Feeds the Mirror panel and the `mirror` view from `mirror-status` (each one the whole state, at most 4 per second;
 * docs/CONTRACT.md "Events"); a `mirror` event moves its owner's last change at once, between two statuses.
 */
export class MirrorFeeder implements Feeder<MirrorView> {
  /** The peer mirrors: the dashboard shows the Mirror panel. */
  active = false;
  private owners: MirrorOwnerStatus[] = [];
  private updatedAt: number | null = null;

  apply(event: PeerEvent): boolean {
    switch (event.event) {
      case 'ready': {
        const was = this.active;
        this.active = this.active || event.mirror === true;
        return this.active !== was;
      }
      case 'mirror-status':
        this.active = true;
        this.owners = [...event.owners].sort((a, b) => a.owner.localeCompare(b.owner));
        this.updatedAt = event.t;
        return true;
      case 'mirror': {
        const owner = this.owners.find((o) => o.owner === event.owner);
        if (!owner || (owner.lastChange !== null && owner.lastChange >= event.t)) return false;
        owner.lastChange = event.t;
        return true;
      }
      default:
        return false;
    }
  }

  view(): MirrorView {
    return { active: this.active, owners: this.owners, updatedAt: this.updatedAt };
  }
}
