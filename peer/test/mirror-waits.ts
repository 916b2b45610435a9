/** What the mirror tests wait for in a mirror peer's events (not a test file itself: no `.test.` in its name). */
import type { PeerEvent } from '../control/peer-events.js';

/** `owner` is in sync with `files` files held and nothing behind. */
export const inSync = (owner: string, files: number) => (e: PeerEvent) =>
  e.event === 'mirror-status' &&
  e.owners.some((o) => o.owner === owner && o.state === 'in-sync' && o.files === files && o.behind === 0);

/** A `mirror` event: `owner`'s `path` was `action`. */
export const mirrored =
  (owner: string, path: string, action: Extract<PeerEvent, { event: 'mirror' }>['action']) => (e: PeerEvent) =>
    e.event === 'mirror' && e.owner === owner && e.path === path && e.action === action;
