import type { PeerEvent } from '../../peer/control/peer-events.js';

/**
 * One per panel: turns the peer's events into a plain view model that the renderer maps onto a
 * widget. Feeders know nothing of blessed, so tests drive them with synthetic event sequences.
 */
export interface Feeder<View> {
  /** Takes one event; returns true when the panel's view changed and the next render tick should redraw. */
  apply(event: PeerEvent): boolean;
  /**
   * Called by the render tick with the wall clock; returns true when time alone changed the view (a finished
   * transfer expired, a throughput bucket closed). Feeders without time-dependent state omit it.
   */
  tick?(now: number): boolean;
  /** The current view model; `now` is used for ages, speeds and ETAs. */
  view(now: number): View;
}
