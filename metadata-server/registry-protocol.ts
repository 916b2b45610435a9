import type { Tagged } from '../common/message-table.js';
import type { ServerMessages } from '../common/wire/server-messages.js';
import type { Topology } from './referral-policy.js';

/**
 * What the main thread and the registry workers exchange (structured-clone friendly, no classes). The main thread
 * owns sockets and sends one `RegistryRequest` per decoded message or connection event; a worker performs it against
 * the shared registry and answers one `RegistryResult`, which the main thread writes out.
 */

/** Any message of the peer ↔ server protocol, tagged with its kind. */
export type ServerMessage = Tagged<ServerMessages>;

/** The messages a peer may send to the server. */
export type PeerRequestKind =
  'join' | 'port-busy' | 'listening' | 'heartbeat' | 'leave' | 'peers-request' | 'stop-all' | 'index' | 'files-request';
export type PeerRequest = Tagged<Pick<ServerMessages, PeerRequestKind>>;
export const PEER_REQUEST_KINDS: ReadonlySet<string> = new Set<PeerRequestKind>([
  'join',
  'port-busy',
  'listening',
  'heartbeat',
  'leave',
  'peers-request',
  'stop-all',
  'index',
  'files-request',
]);

export type RegistryRequest =
  /**
   * A decoded, schema-checked message from connection `connId`. `remote` is its socket address (`HOST:PORT`, for
   * logs); `remoteHost` its host alone (advertised for a peer that joins with an unspecified host such as 0.0.0.0).
   */
  | { op: 'message'; connId: number; remote: string; remoteHost: string; message: PeerRequest }
  /** Connection `connId` closed (`reason` says why, for the log); frees its slot if it holds one. */
  | { op: 'disconnect'; connId: number; reason: string }
  /** Frees slots not heard from within the heartbeat timeout. */
  | { op: 'sweep' };

/** A message for some other connection than the requester's. */
export interface Push {
  connId: number;
  message: ServerMessage;
}

export interface RegistryResult {
  /** The answer to the requesting connection. */
  reply?: ServerMessage;
  /** End the requesting connection once the reply is written (a refusal, a leave). */
  end?: boolean;
  /** The requester now holds a slot (joined); the main thread stops its join timer. */
  admitted?: boolean;
  /** Messages for other connections (mesh-repair advice, stop). */
  pushes: Push[];
  /** Other connections to close (their slots were freed by a sweep). */
  close: number[];
  /** Human-readable lines for the server's log, one per event. */
  logs: string[];
}

/** Behaviour settings the workers need; the main thread passes them in `workerData`. */
export interface RegistryConfig {
  topology: Topology;
  /** A peer not heard from for this long is dropped. */
  heartbeatTimeoutMs: number;
  /** How long a port reported busy is skipped. */
  busyPortMs: number;
  /** How long repair advice is remembered before it may be repeated. */
  adviceMemoryMs: number;
  /** Largest reply frame a peer accepts: a `files` answer is cut to fit it. */
  maxReplyFrameBytes: number;
  /** How long a referral or repair advice reserves a link. Default DEFAULT_REFERRAL_HOLD_MS (registry-service.ts). */
  referralHoldMs?: number;
}

export function emptyResult(): RegistryResult {
  return { pushes: [], close: [], logs: [] };
}
