import type { MirrorOwnerStatus } from '../control/peer-events.js';

/** `mirror-status` is emitted at most this many times in any second (the dashboard redraws from it). */
export const STATUS_PER_SECOND = 4;
/** Progress alone (counts) is emitted at most this often, which leaves room in every second for a change of state. */
export const PROGRESS_EVERY_MS = 1000 / (STATUS_PER_SECOND - 1);

/**
 * The `mirror-status` event (docs/CONTRACT.md "Events"): where every mirrored owner stands, emitted when something
 * in it changed, at most STATUS_PER_SECOND times in any second. Progress alone waits PROGRESS_EVERY_MS after the
 * last one; a change of an owner's state (`syncing` to `in-sync`, say) goes out as soon as that second allows, so the
 * end of a sync is not held back a quarter of a second. `read` gathers the owners' states when it is time.
 */
export class MirrorStatus {
  private timer: NodeJS.Timeout | undefined;
  private last = '';
  private lastStates = '';
  /** When the last STATUS_PER_SECOND emissions were, oldest first. */
  private readonly sent: number[] = [];

  constructor(
    private readonly read: () => MirrorOwnerStatus[],
    private readonly emit: (owners: MirrorOwnerStatus[]) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Something changed: the status is looked at again soon. `maybeState`: an owner's state may have changed (a
   * connection began or ended, a round ended, nothing is left in flight): looked at now rather than when progress
   * is next due.
   */
  changed(maybeState = false): void {
    if (this.timer && !maybeState) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), 0);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flush(): void {
    this.timer = undefined;
    const owners = this.read();
    const key = JSON.stringify(owners);
    if (key === this.last) return;
    const states = owners.map((o) => `${o.owner}:${o.state}`).join(',');
    const now = this.now();
    // The second's budget: the oldest of the last STATUS_PER_SECOND emissions must be a second old.
    let at = this.sent.length < STATUS_PER_SECOND ? now : this.sent[0]! + 1000;
    if (states === this.lastStates) at = Math.max(at, (this.sent.at(-1) ?? -Infinity) + PROGRESS_EVERY_MS);
    if (at > now) {
      this.timer = setTimeout(() => this.flush(), at - now);
      return;
    }
    this.last = key;
    this.lastStates = states;
    this.sent.push(now);
    if (this.sent.length > STATUS_PER_SECOND) this.sent.shift();
    this.emit(owners);
  }
}
