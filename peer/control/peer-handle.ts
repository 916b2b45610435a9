import type { PeerEvent } from './peer-events.js';

/**
 * What a front-end (headless JSON mode, the dashboard) may use of a running peer: it listens to events and sends
 * command lines, nothing else (after Syncthing's `lib/events` feeds the GUI; the core never calls the UI).
 */
export interface PeerHandle {
  /** The peer's canonical name. */
  readonly name: string;
  /** Subscribes to every event; returns a function that unsubscribes. Past events are not replayed. */
  subscribe(listener: (event: PeerEvent) => void): () => void;
  /**
   * Runs one command line exactly as typed by a user (README "Peer commands"); results arrive as events. Returns the
   * line's sequence number (1 for the first line, 2 for the next, empty lines included): every event the command
   * causes (its answer, its error, its download's events) carries it as `cmd` (peer-events.ts).
   */
  command(line: string): number;
  /**
   * Leaves gracefully, like `Stop`, for a reason that is not a command line (a script whose commands are done):
   * `leaving` and `stopped` then carry no `cmd`.
   */
  leave(reason: string): void;
}
