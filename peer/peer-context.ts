import type { PeerInfo, PeerRef } from '../common/wire/shapes.js';
import type { PeerEventReport } from './control/peer-events.js';
import type { Bandwidth } from './transfer/bandwidth.js';

/**
 * What every part of the peer may know of the whole: who this peer is, and how to report. Parts get this small
 * context instead of the `Peer` itself, so no part imports `peer.ts` and the wiring stays in one place.
 */
export interface PeerContext {
  /** Canonical (lower-case) name. */
  readonly name: string;
  readonly id: string;
  /** Where this peer can be reached (port 1 until it listens). */
  self(): PeerRef;
  /** `self()` with the current neighbour names: this peer's node of TOPO. */
  info(): PeerInfo;
  /** Reports an event to every front-end (the time is added), with `cmd` when a command line caused it. */
  emit(body: PeerEventReport): void;
  /** A line for the log panel (headless: `log` events; `warn` also on stderr). */
  log(message: string, level?: 'info' | 'warn'): void;
  /** The peer-wide caps every transfer connection is attached to (`attach(channel, 'up' | 'down')`). */
  readonly bandwidth: Bandwidth;
}
