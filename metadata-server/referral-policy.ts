import { byLowDegree, degree, hopsFrom, type MeshGraph, type MeshNode } from './mesh-graph.js';

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
 *
 * Racing joins (docs/CONTRACT.md "Many hosts and the query trace"): a peer's degree counts the links promised to it
 * (`MeshNode.reserved`: referrals handed out and repair advice, until reported or expired), so fifty newcomers
 * welcomed within one second do not all see the same lowest-degree peer; and a peer already holding
 * `REFERRAL_MAX_DEGREE` links (promised ones included) is not referred at all. When every live peer holds that many
 * (the first live peer while a crowd joins), the newcomer gets no referral: it goes live alone and the repair
 * (mesh-repair.ts) links it once more peers are live, which costs a moment and keeps the bound. Ties stay
 * "earliest joined" rather than random: every choice is made under the registry's lock and sees every earlier
 * choice's reservations, so a random tie-break would spread nothing more and only make the mesh irreproducible.
 */
export type Topology = 'mesh' | 'line';
export const TOPOLOGIES: readonly Topology[] = ['mesh', 'line'];

/** With fewer live peers a second link would only duplicate the first (two peers are one hop apart anyway). */
export const SECOND_REFERRAL_FROM = 3;

/**
 * A peer with this many links (promised ones included) is not referred while another has fewer. Each newcomer
 * brings two links, so the mean degree tends to 4; 6 leaves room for repair links without letting hubs form.
 */
export const REFERRAL_MAX_DEGREE = 6;

export interface ReferralOptions {
  /** See REFERRAL_MAX_DEGREE (the default). */
  maxDegree?: number;
  /** When every peer holds `maxDegree` links: refer none (default, a newcomer), or the fewest (a repair). */
  whenAllFull?: 'none' | 'fewest';
}

/**
 * Returns the keys of the referrals, in the order the newcomer should dial them. `graph` holds live peers only, with
 * their reservations.
 */
export function chooseReferrals(graph: MeshGraph, topology: Topology, options: ReferralOptions = {}): number[] {
  const nodes = graph.nodes;
  if (nodes.length === 0) return [];
  if (topology === 'line') {
    const newest = nodes.reduce((a, b) => (b.joinSeq > a.joinSeq ? b : a));
    return [newest.key];
  }
  const maxDegree = options.maxDegree ?? REFERRAL_MAX_DEGREE;
  const open = nodes.filter((n) => degree(n) < maxDegree);
  if (open.length === 0 && options.whenAllFull !== 'fewest') return [];
  const pool = open.length > 0 ? open : nodes;
  const first = [...pool].sort(byLowDegree)[0]!;
  if (nodes.length < SECOND_REFERRAL_FROM) return [first.key];
  const hops = hopsFrom(graph, first.key);
  const distance = (n: MeshNode) => hops.get(n.key) ?? Number.POSITIVE_INFINITY;
  const second = pool
    .filter((n) => n.key !== first.key)
    .sort((a, b) => distance(b) - distance(a) || byLowDegree(a, b))[0];
  return second ? [first.key, second.key] : [first.key];
}
