/**
 * What a started metadata server says about itself: the port range it hands out and the line it prints once
 * listening (tests and scripts parse `HOST:PORT` from it).
 */
import { formatHostPort } from '../common/host-port.js';
import type { Topology } from './referral-policy.js';

/** Default number of peer ports: "the 1000 ports above the server's port". */
export const DEFAULT_PEER_PORT_SPAN = 1000;

export interface PortRange {
  low: number;
  high: number;
}

/** What the server is doing once started (the CLI prints it). */
export interface ListeningInfo {
  host: string;
  port: number;
  maxPeers: number;
  workers: number;
  peerPorts: PortRange;
  topology: Topology;
  /** Keyed with a mesh key, or open. */
  keyed: boolean;
}

/**
 * "The 1000 ports above the server's port, capped at 65535": when fewer than `maxPeers` fit below 65535, the range
 * is shifted down to end at 65535 (the server's own port, if inside, is never handed out).
 */
export function defaultPeerPorts(serverPort: number, maxPeers: number): PortRange {
  const low = serverPort + 1;
  const high = Math.min(65535, serverPort + DEFAULT_PEER_PORT_SPAN);
  if (high - low + 1 >= maxPeers) return { low, high };
  return { low: 65535 - maxPeers, high: 65535 };
}

/** The line the CLI prints once listening; tests and scripts parse `HOST:PORT` from it. */
export function formatListeningLine(info: ListeningInfo): string {
  const address = formatHostPort({ host: info.host, port: info.port });
  return (
    `metadata server listening on ${address} (max peers ${info.maxPeers}, workers ${info.workers}, ` +
    `peer ports ${info.peerPorts.low}-${info.peerPorts.high}, topology ${info.topology}, ` +
    `${info.keyed ? 'keyed with the mesh key' : 'OPEN: no mesh key'})`
  );
}
