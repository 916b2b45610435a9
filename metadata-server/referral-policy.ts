import { byLowDegree, hopsFrom, type MeshGraph, type MeshNode } from './mesh-graph.js';

/**
 * Which live peers a newcomer is told to dial (welcome.referrals).
 *
 * - `mesh` (default) keeps the mesh connected and shallow rather than a chain: the first referral is the live peer
 *   with the fewest neighbours (ties: earliest joined); once at least `SECOND_REFERRAL_FROM` peers are live a second
 *   referral is the live peer farthest in hops from the first (unreachable counts as farthest; ties: fewest
 *   neighbours, then earliest joined). Joining s1…s5 in order gives s2→s1, s3→s1, s4→s2+s3, s5→s1+s4: a
 *   diameter-2 mesh where every peer has two links.
 * - `line` refers each newcomer to the most recently joined live peer only: a chain, for teaching and for
 *   benchmarks that need multi-hop paths.
 */
export type Topology = 'mesh' | 'line';
export const TOPOLOGIES: readonly Topology[] = ['mesh', 'line'];

/** With fewer live peers a second link would only duplicate the first (two peers are one hop apart anyway). */
export const SECOND_REFERRAL_FROM = 3;

/** Returns the keys of the referrals, in the order the newcomer should dial them. `graph` holds live peers only. */
export function chooseReferrals(graph: MeshGraph, topology: Topology): number[] {
  const nodes = graph.nodes;
  if (nodes.length === 0) return [];
  if (topology === 'line') {
    const newest = nodes.reduce((a, b) => (b.joinSeq > a.joinSeq ? b : a));
    return [newest.key];
  }
  const first = [...nodes].sort(byLowDegree)[0]!;
  if (nodes.length < SECOND_REFERRAL_FROM) return [first.key];
  const hops = hopsFrom(graph, first.key);
  const distance = (n: MeshNode) => hops.get(n.key) ?? Number.POSITIVE_INFINITY;
  const second = nodes
    .filter((n) => n.key !== first.key)
    .sort((a, b) => distance(b) - distance(a) || byLowDegree(a, b))[0]!;
  return [first.key, second.key];
}
