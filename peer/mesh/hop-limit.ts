import { MAX_HOPS } from '../../common/wire/peer-messages.js';

/** The hop limit of searches while the metadata server has not said how far the mesh reaches. */
export const DEFAULT_HOP_LIMIT = 7;
/** Added to the server's figure: the mesh may have grown, or a copy may take a longer path first. */
export const HOP_MARGIN = 1;

/**
 * The hop limit a search starts with (docs/PROTOCOL.md "Peer ↔ peer"): the hops the metadata server last said this
 * peer's floods need to reach every live peer (`reach` in `welcome` and `heartbeat-ack`: its eccentricity in the
 * mesh), plus HOP_MARGIN, within 1..MAX_HOPS; DEFAULT_HOP_LIMIT while the server has said nothing.
 */
export function searchHopLimit(reach: number | undefined): number {
  if (reach === undefined) return DEFAULT_HOP_LIMIT;
  return Math.min(MAX_HOPS, Math.max(1, reach + HOP_MARGIN));
}
