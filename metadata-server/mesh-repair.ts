import { byLowDegree, components, degree, type MeshGraph, type MeshNode } from './mesh-graph.js';
import { chooseReferrals, REFERRAL_MAX_DEGREE, type Topology } from './referral-policy.js';

/** One piece of advice: the peer `from` should dial the peer `to`. Keys as in the graph. */
export interface RepairAdvice {
  from: number;
  to: number;
}

export interface RepairOptions {
  /** `mesh` (default): a lone peer is linked like a newcomer (two links); `line`: one link. */
  topology?: Topology;
  /** Peers holding this many links are not chosen while others hold fewer (a link beats a bound here). Default REFERRAL_MAX_DEGREE. */
  maxDegree?: number;
}

/**
 * Plans the repair of a split mesh. The largest component (ties: the one holding the earliest-joined peer) is the
 * main one; every other component gets advice, in order: its lowest-degree peer (ties: earliest joined) should dial
 * the main component's lowest-degree peer, or, when the component is one lone peer in a `mesh`, the two peers a
 * newcomer would be referred to (referral-policy.ts). Each component, once advised, counts as part of the main one
 * with its planned links: the next advice sees them as degree and as paths. So racing joins that all went live alone
 * are woven into a shallow mesh instead of a star around one hub (docs/CONTRACT.md "Many hosts and the query
 * trace").
 *
 * `recentlyAdvised(key)` says whether a peer was already advised and the advice is still fresh; a component holding
 * such a peer, or a peer with links promised and not reported yet (`reserved`: newcomers referred to it are dialling
 * it), is given no new advice, so the same advice is not repeated on every heartbeat while the dial is under way and
 * a peer about to be linked is not linked twice; it counts as joined to the main one. Promises expire (the registry
 * holds them for seconds), so a dial that failed is repaired soon after.
 */
export function planRepair(
  graph: MeshGraph,
  recentlyAdvised: (key: number) => boolean = () => false,
  options: RepairOptions = {},
): RepairAdvice[] {
  const parts = components(graph);
  if (parts.length < 2) return [];
  let main = parts[0]!;
  for (const part of parts) if (part.length > main.length) main = part;
  const maxDegree = options.maxDegree ?? REFERRAL_MAX_DEGREE;
  // A working copy: planned links are added to it, never to the caller's graph.
  const work = new Map<number, MeshNode>(graph.nodes.map((n) => [n.key, { ...n, neighbours: new Set(n.neighbours) }]));
  const merged = main.map((n) => work.get(n.key)!);
  const advice: RepairAdvice[] = [];
  for (const part of parts) {
    if (part === main) continue;
    const members = part.map((n) => work.get(n.key)!);
    if (part.some((n) => recentlyAdvised(n.key) || (n.reserved ?? 0) > 0)) {
      // Links to it are under way (advice, or newcomers referred to it: `reserved`); later components may link to it.
      merged.push(...members);
      continue;
    }
    const from = [...members].sort(byLowDegree)[0]!;
    const targets =
      members.length === 1 && options.topology !== 'line'
        ? chooseReferrals({ nodes: merged }, 'mesh', { maxDegree, whenAllFull: 'fewest' })
        : [lowestOpen(merged, maxDegree).key];
    for (const to of targets) {
      advice.push({ from: from.key, to });
      from.neighbours.add(to);
      work.get(to)!.neighbours.add(from.key);
    }
    merged.push(...members);
  }
  return advice;
}

/** The lowest-degree node below `maxDegree`, or the lowest-degree node when all are at it. */
function lowestOpen(nodes: MeshNode[], maxDegree: number): MeshNode {
  const open = nodes.filter((n) => degree(n) < maxDegree);
  return [...(open.length > 0 ? open : nodes)].sort(byLowDegree)[0]!;
}
