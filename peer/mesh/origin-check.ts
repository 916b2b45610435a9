import { answerWithin } from '../../common/answer-within.js';
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

const refOf = ({ name, id, host, port }: PeerRef): PeerRef => ({ name, id, host, port });

export interface OriginCheckOptions {
  /** How long a list from the server answers for an origin it names. Default 1000 ms. */
  cacheMs?: number;
  /**
   * How long a fresh list is waited for when an older list or the address book already names the origin exactly.
   * Default STAND_IN_AFTER_MS.
   */
  standInAfterMs?: number;
}

/**
 * A server cut off silently (a split LAN) answers nothing, and is found lost only after 5 s of silence; waiting the
 * full request time for its list would make every holder on the far side answer after the searcher gave up
 * (docs/PROTOCOL.md "Transport and liveness"; testnet/test/partition.e2e.test.ts). A server that is there
 * answers within a LAN round trip; an exact match from its older list is good enough after this long.
 */
export const STAND_IN_AFTER_MS = 250;

/** A peer that advertises an unspecified address is registered at the address it joined from. */
const UNSPECIFIED_HOSTS = new Set(['0.0.0.0', '::']);

/** Is `known` the peer `origin` claims to be, at the same place? (An unspecified origin host matches any.) */
const same = (known: PeerRef, origin: PeerRef) =>
  known.name === origin.name &&
  known.id === origin.id &&
  known.port === origin.port &&
  (known.host === origin.host || UNSPECIFIED_HOSTS.has(origin.host));

/**
 * Where a holder may dial back (docs/SECURITY.md "Limits"): only an origin whose name, id, host and port all match
 * what the mesh knows of that peer: a neighbour's hello, or the metadata server's live peers. A list from the
 * server is reused for `cacheMs`; an origin it does not name is looked up again with a list asked for after the
 * query arrived (a peer that just joined). While the server cannot answer, the last list it gave stands in (also
 * when the server is silent, not yet known lost, for longer than `standInAfterMs` and that list names the origin
 * exactly), and the address book for peers that list does not name. Never an address only the query names.
 */
export class OriginCheck {
  private last: { peers: PeerInfo[]; at: number } | undefined;
  private asking: { since: number; answer: Promise<PeerInfo[] | undefined> } | undefined;
  private queued: Promise<PeerInfo[] | undefined> | undefined;
  private readonly cacheMs: number;
  private readonly standInAfterMs: number;

  constructor(
    private readonly sources: OriginSources,
    options: OriginCheckOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 1000;
    this.standInAfterMs = options.standInAfterMs ?? STAND_IN_AFTER_MS;
  }

  /** A list of live peers the server gave (the mesh monitor asks every second): kept for later checks. */
  note(peers: PeerInfo[], at = this.sources.now()): void {
    if (!this.last || at >= this.last.at) this.last = { peers, at };
  }

  /** The live peers on the server's last list, and the neighbours (a returning owner shows up in either). */
  livePeers(): PeerRef[] {
    const neighbours = this.sources.neighbours();
    const listed = (this.last?.peers ?? []).filter((p) => !neighbours.some((n) => n.name === p.name)).map(refOf);
    return [...neighbours, ...listed];
  }

  /** The id the server's last list gave a live peer called `name`, if it listed one. */
  liveIdOf(name: string): string | undefined {
    return this.last?.peers.find((p) => p.name === name)?.id;
  }

  /** Whether the mesh knows a peer with this id: a neighbour, the server's last live list, or a holder seen. */
  knowsId(id: string): boolean {
    const has = (refs: PeerRef[]) => refs.some((r) => r.id === id);
    return has(this.sources.neighbours()) || has(this.last?.peers ?? []) || has(this.sources.seen());
  }

  /** Asks the server for its list now (on joining: the list must be at hand should the server go away soon). */
  refresh(): void {
    void this.askAfter(this.sources.now());
  }

  /**
   * Where to dial `origin` back: the address the mesh knows for it (the origin's own, but for an unspecified host),
   * or one sentence saying why it is not dialled.
   */
  async where(origin: PeerRef): Promise<PeerRef | string> {
    const arrived = this.sources.now();
    const neighbour = this.sources.neighbours().find((n) => same(n, origin));
    if (neighbour) return refOf(neighbour);
    const last = this.last;
    const cached = last && arrived - last.at <= this.cacheMs ? last.peers.find((p) => same(p, origin)) : undefined;
    if (cached) return refOf(cached);
    const fresh = last && last.at >= arrived ? last.peers : await this.freshList(arrived, origin);
    // While the server cannot answer: what it said last, and who was seen holding files (only for peers its last
    // list does not name: an address the list gives is never overruled by one a peer advertised for itself).
    const listed = this.last?.peers ?? [];
    const known = fresh ?? [...listed, ...this.sources.seen().filter((p) => !listed.some((l) => l.name === p.name))];
    const found = known.find((p) => same(p, origin));
    return found ? refOf(found) : this.refusal(origin, known);
  }

  /**
   * A list asked for after `arrived`; when the server's last list already names `origin` exactly, no longer than
   * `standInAfterMs` (undefined then: it stands in). The address book never cuts the wait short: its addresses are
   * what holders advertised, and a slow server must still be heard before one of them is dialled.
   */
  private freshList(arrived: number, origin: PeerRef): Promise<PeerInfo[] | undefined> {
    const asked = this.askAfter(arrived);
    const standIn = (this.last?.peers ?? []).some((p) => same(p, origin));
    return standIn ? answerWithin(asked, this.standInAfterMs) : asked;
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
