import { formatHostPort } from '../../common/host-port.js';
import type { PeerInfo, PeerRef } from '../../common/wire/shapes.js';

export interface OriginSources {
  /** The refs this peer's neighbours gave in their hellos. */
  neighbours(): PeerRef[];
  /** The metadata server's live peers, or undefined when it cannot answer now. */
  livePeers(): Promise<PeerInfo[] | undefined>;
  /** Holders this peer saw (the address book): a fallback while the server cannot answer. */
  seen(): PeerRef[];
  /** The clock, in ms. */
  now(): number;
}

export interface OriginCheckOptions {
  /** How long a list from the server answers for an origin it names. Default 1000 ms. */
  cacheMs?: number;
}

const same = (a: PeerRef, b: PeerRef) => a.name === b.name && a.id === b.id && a.host === b.host && a.port === b.port;

/**
 * Where a holder may dial back (docs/SECURITY.md "Limits"): only an origin whose name, id, host and port all match
 * what the mesh knows of that peer: a neighbour's hello, or the metadata server's live peers. A list from the
 * server is reused for `cacheMs`; an origin it does not name is looked up again with a list asked for after the
 * query arrived (a peer that just joined). While the server cannot answer, the last list it gave and the address
 * book stand in. Never an address only the query names.
 */
export class OriginCheck {
  private last: { peers: PeerInfo[]; at: number } | undefined;
  private asking: { since: number; answer: Promise<PeerInfo[] | undefined> } | undefined;
  private queued: Promise<PeerInfo[] | undefined> | undefined;
  private readonly cacheMs: number;

  constructor(
    private readonly sources: OriginSources,
    options: OriginCheckOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 1000;
  }

  /** A list of live peers the server gave (the mesh monitor asks every second): kept for later checks. */
  note(peers: PeerInfo[], at = this.sources.now()): void {
    if (!this.last || at >= this.last.at) this.last = { peers, at };
  }

  /** Asks the server for its list now (on joining: the list must be at hand should the server go away soon). */
  refresh(): void {
    void this.askAfter(this.sources.now());
  }

  /** Resolves undefined when `origin` may be dialled, else one sentence saying why not. */
  async problem(origin: PeerRef): Promise<string | undefined> {
    const arrived = this.sources.now();
    if (this.sources.neighbours().some((n) => same(n, origin))) return undefined;
    const last = this.last;
    if (last && last.peers.some((p) => same(p, origin)) && arrived - last.at <= this.cacheMs) return undefined;
    const fresh = last && last.at >= arrived ? last.peers : await this.askAfter(arrived);
    if (fresh) return fresh.some((p) => same(p, origin)) ? undefined : this.refusal(origin, fresh);
    // The server cannot answer: what it said last, and who was seen holding files.
    const known = [...(this.last?.peers ?? []), ...this.sources.seen()];
    return known.some((p) => same(p, origin)) ? undefined : this.refusal(origin, known);
  }

  private refusal(origin: PeerRef, known: PeerRef[]): string {
    const named = known.find((p) => p.name === origin.name);
    const claim = `${origin.name} at ${formatHostPort(origin)}`;
    return named
      ? `the query names ${claim}, but the mesh knows ${named.name} at ${formatHostPort(named)}: not dialled`
      : `the query names ${claim}, a peer the mesh does not know: not dialled`;
  }

  /** A list from the server asked for at or after `t` (one request at a time, at most one queued behind it). */
  private askAfter(t: number): Promise<PeerInfo[] | undefined> {
    if (!this.asking) return this.ask();
    if (this.asking.since >= t) return this.asking.answer;
    this.queued ??= this.asking.answer.then(() => {
      this.queued = undefined;
      return this.ask();
    });
    return this.queued;
  }

  private ask(): Promise<PeerInfo[] | undefined> {
    const since = this.sources.now();
    const answer: Promise<PeerInfo[] | undefined> = this.sources.livePeers().then(
      (peers) => {
        if (this.asking?.answer === answer) this.asking = undefined;
        if (peers) this.note(peers, since);
        return peers;
      },
      () => {
        if (this.asking?.answer === answer) this.asking = undefined;
        return undefined;
      },
    );
    this.asking = { since, answer };
    return answer;
  }
}
