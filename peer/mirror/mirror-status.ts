import type { MirrorOwnerStatus } from '../control/peer-events.js';

/** `mirror-status` is emitted at most this often (the dashboard redraws from it). */
export const STATUS_EVERY_MS = 250;

/**
 * The `mirror-status` event (docs/CONTRACT.md "Events"): where every mirrored owner stands, emitted when something
 * in it changed, at most once per STATUS_EVERY_MS. `read` gathers the owners' states when it is time.
 */
export class MirrorStatus {
  private timer: NodeJS.Timeout | undefined;
  private last = '';
  private lastAt = 0;

  constructor(
    private readonly read: () => MirrorOwnerStatus[],
    private readonly emit: (owners: MirrorOwnerStatus[]) => void,
  ) {}

  /** Something changed: the status is looked at again soon. */
  changed(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastAt + STATUS_EVERY_MS - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flush(): void {
    this.timer = undefined;
    this.lastAt = Date.now();
    const owners = this.read();
    const key = JSON.stringify(owners);
    if (key === this.last) return;
    this.last = key;
    this.emit(owners);
  }
}
