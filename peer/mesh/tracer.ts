import { nanoid } from 'nanoid';
import { performance } from 'node:perf_hooks';
import {
  MAX_TRACE_US,
  type PeerMessages,
  type TraceAction,
  type TraceStepMessage,
} from '../../common/wire/peer-messages.js';
import { caused, type PeerEventReport } from '../control/peer-events.js';
import { declineOffer } from '../transfer/ask-holder.js';
import type { PeerChannel } from '../transport/peer-listener.js';
import type { PeerContext } from '../peer-context.js';
import { FROM_SELF, type FloodRouter } from './flood-router.js';
import type { NeighbourLink } from './neighbour-link.js';
import type { NeighbourSet } from './neighbour-set.js';
import { MAX_TRACE_STEPS, TraceCollector, type TraceCollectorOptions } from './trace-collector.js';
import { signStep, stepProblem, type StepSigner } from './trace-step.js';

/** Traces this peer runs at once; one more is refused. */
export const MAX_OWN_TRACES = 8;
/** Traced query ids a peer remembers (to relay their steps), and copies awaiting their outcome. */
const MAX_REMEMBERED = 1024;

export interface TracerParts {
  router: FloodRouter;
  neighbours: NeighbourSet;
  signer: StepSigner;
  /** The hop limit of this peer's searches. */
  hopLimit: () => number;
  /** The id the mesh knows for a peer name (a neighbour's proven id, or the server's last live list). */
  knownId: (name: string) => string | undefined;
  /** The metadata server's live peers, asked now (for a peer that joined since its last list). */
  livePeers: () => Promise<{ name: string; id: string }[] | undefined>;
  /** Passes a query on to the search (search-responder.ts), which forwards it and answers when it holds the file. */
  search: (link: NeighbourLink, q: PeerMessages['query']) => void;
}

/**
 * `trace FILE` (docs/PROTOCOL.md "Query trace"): floods a search marked `trace`, and has every peer that receives a
 * copy report one signed step (forwarded, duplicate, answered, expired) back to the origin along the reverse path the
 * flood left in the seen-cache, like TOPO's replies. The search itself is the ordinary one (search-responder.ts): this
 * only watches its outcome (`observe`, fed the `query-seen` events it reports). The origin gathers the steps
 * (TraceCollector) into one `trace` event; a holder's offer is declined: a trace does not download.
 */
export class Tracer {
  private readonly own = new Map<string, TraceCollector>();
  /** Our traces' ids, kept after they finish so a late offer is recognised. */
  private readonly ownIds = new Set<string>();
  /** Traced ids seen here, with how many steps were relayed for each. */
  private readonly relayed = new Map<string, number>();
  /** Traced ids seen here: the first copy's arrival estimate, and when it arrived by this peer's clock. */
  private readonly firsts = new Map<string, { us: number; at: number }>();
  /** The server's live list as last asked for steps (at most every 2 s, however many names are unknown). */
  private roster: { at: number; ids: Promise<Map<string, string>> } | undefined;
  /** Copies of traced queries handed to the search, by `qid \0 from`: their arrival estimate and hops. */
  private readonly pending = new Map<string, { us: number; hops: number }>();

  constructor(
    private readonly ctx: PeerContext,
    private readonly parts: TracerParts,
    private readonly options: TraceCollectorOptions = {},
  ) {}

  /** Starts a trace; the answer is one `trace` event carrying `cmd`. */
  request(file: string, cmd?: number): void {
    if (this.own.size >= MAX_OWN_TRACES)
      return this.ctx.emit(
        caused({ event: 'error', message: `${MAX_OWN_TRACES} traces are running: wait for one` }, cmd),
      );
    const qid = nanoid();
    const limit = this.parts.hopLimit();
    const collector = new TraceCollector(
      qid,
      file,
      limit,
      (result) => {
        this.own.delete(qid);
        this.ctx.emit(caused({ event: 'trace', ...result }, cmd));
      },
      this.options,
    );
    this.own.set(qid, collector);
    remember(this.ownIds, qid, 64);
    this.parts.router.originate('query', { qid, file, hops: limit, origin: this.ctx.self(), trace: { us: 0 } });
  }

  /** A query from a neighbour: a traced one gets its arrival time estimated, and its outcome watched. */
  onQuery(link: NeighbourLink, q: PeerMessages['query']): void {
    if (!q.trace) return this.parts.search(link, q);
    // The link's measured round trip, halved, is this hop's share; the time it spends here before being forwarded
    // (synchronous, so about nothing) is the next hop's estimate's start.
    let us = Math.min(q.trace.us + Math.round(((link.rttMs ?? 0) * 1000) / 2), MAX_TRACE_US);
    // A later copy cannot have arrived before the first one: this peer's own clock orders its copies.
    const first = this.firsts.get(q.qid);
    if (first) us = Math.max(us, first.us + Math.round((performance.now() - first.at) * 1000));
    else remember(this.firsts, q.qid, MAX_REMEMBERED, { us, at: performance.now() });
    remember(this.relayed, q.qid, MAX_REMEMBERED, 0);
    remember(this.pending, `${q.qid}\u0000${link.name}`, MAX_REMEMBERED, { us, hops: q.hops });
    this.parts.search(link, { ...q, trace: { us } });
  }

  /** The search's report of what it did with a copy (a `query-seen` event); a traced copy's becomes a step. */
  observe(e: PeerEventReport): void {
    if (e.event !== 'query-seen') return;
    const key = `${e.query}\u0000${e.from}`;
    const copy = this.pending.get(key);
    if (!copy) return;
    this.pending.delete(key);
    const action = traceAction(e.action, copy.hops);
    if (!action) return;
    const to =
      action === 'duplicate' || action === 'expired' ? 0 : Math.max(0, this.parts.neighbours.names().length - 1);
    const fields = { qid: e.query, peer: this.ctx.name, from: e.from, hops: copy.hops, action, us: copy.us, to };
    this.route(signStep(fields, this.parts.signer), undefined);
  }

  /** A step from a neighbour: toward the origin along the reverse path, or into our own trace's collector. */
  onStep(link: NeighbourLink, step: TraceStepMessage): void {
    this.route(step, link.name);
  }

  /** An offer dialled back for one of our traces: noted, and declined. False when it is not ours. */
  onOffer(channel: PeerChannel, offer: PeerMessages['offer']): boolean {
    if (!this.ownIds.has(offer.qid)) return false;
    this.own.get(offer.qid)?.offer(offer.from.name, offer.size, offer.sha256);
    declineOffer(channel, offer.qid, 'that search was a trace: it does not download');
    return true;
  }

  /** Answers every trace still waiting with what it has (the peer is leaving). */
  stop(): void {
    for (const collector of this.own.values()) collector.finish();
  }

  private route(step: TraceStepMessage, via: string | undefined): void {
    const upstream = this.parts.router.upstream(step.qid);
    // Unknown or forgotten id, or a step coming down from where the query came: dropped.
    if (upstream === undefined || (via !== undefined && upstream === via)) return;
    if (upstream === FROM_SELF) {
      const collector = this.own.get(step.qid);
      if (!collector) return;
      if (collector.full()) return void collector.reject(); // no signature is checked beyond the bound
      const check = (id: string | undefined) => {
        const problem = stepProblem(step, id);
        if (!problem) return collector.add(step);
        // One line per trace: a flood of forged steps is counted in the event, not logged line by line.
        if (collector.reject() === 1) this.ctx.log(`ignored a trace step from ${via ?? 'here'}: ${problem}`, 'warn');
      };
      const known = step.peer === this.ctx.name ? this.ctx.id : this.parts.knownId(step.peer);
      return known === undefined ? collector.hold(this.lookup(step.peer).then(check)) : check(known);
    }
    const count = this.relayed.get(step.qid);
    if (count === undefined || count >= MAX_TRACE_STEPS) return; // not a traced id, or its share is spent
    this.relayed.set(step.qid, count + 1);
    this.parts.neighbours.get(upstream)?.send('trace-step', step);
  }

  private lookup(name: string): Promise<string | undefined> {
    const now = Date.now();
    if (!this.roster || now - this.roster.at > 2000) {
      const ids = this.parts
        .livePeers()
        .then((peers) => new Map((peers ?? []).map((p) => [p.name, p.id])))
        .catch(() => new Map<string, string>());
      this.roster = { at: now, ids };
    }
    return this.roster.ids.then((ids) => ids.get(name));
  }
}

/** What a traced copy's search outcome (`query-seen` action) shows; undefined for one that reports no step. */
export function traceAction(seen: string, hops: number): TraceAction | undefined {
  switch (seen) {
    case 'duplicate':
    case 'answered':
      return seen;
    case 'forwarded':
    case 'expired':
      // The search says `expired` when it passed the copy to nobody; a trace says so only when the hops ran out.
      return hops <= 1 ? 'expired' : 'forwarded';
    default:
      return undefined; // `refused` (a bad name, an origin not where the mesh knows it), `own`
  }
}

/** Sets `key` in a bounded map or set, dropping the oldest entry beyond `max`; an existing key keeps its value. */
function remember<V>(into: Map<string, V> | Set<string>, key: string, max: number, value?: V): void {
  if (into.has(key)) return;
  if (into instanceof Set) into.add(key);
  else into.set(key, value as V);
  if (into.size > max) into.delete(into.keys().next().value as string);
}
