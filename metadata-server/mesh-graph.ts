/**
 * A plain snapshot of the mesh of live peers, as the registry knows it, for the pure policies (referrals, repair).
 * Keys are opaque (registry slots in the server, anything in tests).
 */
export interface MeshNode {
  key: number;
  name: string;
  /** Admission order: smaller joined earlier. */
  joinSeq: number;
  /** Keys of its neighbours (symmetric: b ∈ a.neighbours ⇔ a ∈ b.neighbours). */
  neighbours: Set<number>;
  /**
   * Links promised but not reported yet: referrals handed to newcomers and repair advice still being dialled
   * (metadata-server/referral-policy.ts counts them as degree, so racing joins do not all pick one peer). Default 0.
   */
  reserved?: number;
}

export interface MeshGraph {
  /** Live peers ordered by join sequence (earliest first). */
  nodes: MeshNode[];
}

/** Builds a graph from names and undirected edges, joined in the order given (for tests and tools). */
export function graphFromEdges(names: string[], edges: [string, string][]): MeshGraph {
  const nodes = names.map((name, i) => ({ key: i, name, joinSeq: i + 1, neighbours: new Set<number>() }));
  const byName = new Map(nodes.map((n) => [n.name, n]));
  for (const [a, b] of edges) {
    const x = byName.get(a);
    const y = byName.get(b);
    if (!x || !y) throw new RangeError(`edge ${a}-${b} names an unknown peer`);
    x.neighbours.add(y.key);
    y.neighbours.add(x.key);
  }
  return { nodes };
}

/** Hop counts from `from` to every reachable node (breadth-first); unreachable nodes are absent. */
export function hopsFrom(graph: MeshGraph, from: number): Map<number, number> {
  const byKey = new Map(graph.nodes.map((n) => [n.key, n]));
  const hops = new Map<number, number>([[from, 0]]);
  const queue = [from];
  for (let head = 0; head < queue.length; head++) {
    const key = queue[head]!;
    for (const next of byKey.get(key)?.neighbours ?? []) {
      if (hops.has(next) || !byKey.has(next)) continue;
      hops.set(next, hops.get(key)! + 1);
      queue.push(next);
    }
  }
  return hops;
}

/** Connected components, each listed in join order; components are ordered by their earliest member. */
export function components(graph: MeshGraph): MeshNode[][] {
  const seen = new Set<number>();
  const out: MeshNode[][] = [];
  for (const node of graph.nodes) {
    if (seen.has(node.key)) continue;
    const members = hopsFrom(graph, node.key);
    for (const key of members.keys()) seen.add(key);
    out.push(graph.nodes.filter((n) => members.has(n.key)));
  }
  return out;
}

/** Neighbours plus links promised to it (`reserved`): what the policies balance. */
export function degree(node: MeshNode): number {
  return node.neighbours.size + (node.reserved ?? 0);
}

/** Orders nodes by fewest neighbours (promised links included), then earliest joined: the policies' tie-break. */
export function byLowDegree(a: MeshNode, b: MeshNode): number {
  return degree(a) - degree(b) || a.joinSeq - b.joinSeq;
}

/** Most hops from `from` to a peer it reaches (0 when it has no neighbour): what its floods need to reach them all. */
export function eccentricity(graph: MeshGraph, from: number): number {
  let most = 0;
  for (const hops of hopsFrom(graph, from).values()) if (hops > most) most = hops;
  return most;
}

/** The largest eccentricity: the hop limit that reaches every peer of its part of the mesh from any peer. */
export function diameter(graph: MeshGraph): number {
  return graph.nodes.reduce((most, n) => Math.max(most, eccentricity(graph, n.key)), 0);
}
