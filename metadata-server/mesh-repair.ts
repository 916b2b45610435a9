import { byLowDegree, components, type MeshGraph } from './mesh-graph.js';

/** One piece of advice: the peer `from` should dial the peer `to`. Keys as in the graph. */
export interface RepairAdvice {
  from: number;
  to: number;
}

/**
 * Plans the repair of a split mesh. The largest component (ties: the one holding the earliest-joined peer) is the
 * main one; every other component gets ONE piece of advice: its lowest-degree peer (ties: earliest joined) should
 * dial the main component's lowest-degree peer, which spreads the new links instead of piling them on one hub.
 *
 * `recentlyAdvised(key)` says whether a peer was already advised and the advice is still fresh; a component holding
 * such a peer is left alone, so the same advice is not repeated on every heartbeat while the dial is under way.
 */
export function planRepair(graph: MeshGraph, recentlyAdvised: (key: number) => boolean = () => false): RepairAdvice[] {
  const parts = components(graph);
  if (parts.length < 2) return [];
  let main = parts[0]!;
  for (const part of parts) if (part.length > main.length) main = part;
  const target = [...main].sort(byLowDegree)[0]!;
  const advice: RepairAdvice[] = [];
  for (const part of parts) {
    if (part === main || part.some((n) => recentlyAdvised(n.key))) continue;
    const from = [...part].sort(byLowDegree)[0]!;
    advice.push({ from: from.key, to: target.key });
  }
  return advice;
}
