import type { Bitfield } from './bitfield.js';

export interface PiecePickerOptions {
  /** Pieces asked of one source and not yet arrived. Default 1. */
  depth?: number;
  /** Near the end, how many sources may be asked for the same missing piece at once. Default 2. */
  endgameCopies?: number;
  /**
   * Least time a piece is in flight before another source is asked for a copy (endgame). Default 0: at once. A copy
   * that arrives second is fetched twice, so waiting until the first is overdue saves it on a healthy link.
   */
  endgameAfterMs?: number;
  /** While fewer pieces than this are held (or being checked), pieces are picked at random, not rarest first. Default 4. */
  randomFirst?: number;
  /** Random numbers in [0, 1) for the tie-breaks (tests pass a seeded one). Default Math.random. */
  random?: () => number;
  /**
   * Spare full holders: while a source still downloading delivered a piece within this many ms, a full holder is
   * asked only for pieces no such source holds (the others come from them), so a holder that many fetch from at
   * once sends each piece about once. 0: off. Default 0.
   */
  spareHoldersMs?: number;
}

/**
 * Which piece to ask of which source: pure bookkeeping, no I/O and no timers. A piece is missing (its bit in `have`
 * is clear), in flight at one or more sources (asked, not arrived), or being checked (arrived, written and handed to
 * the hashing thread). A source holds every piece (a full holder) unless `addSource` gave it a bitfield, which its
 * `have`s extend (a peer still downloading: docs/PROTOCOL.md "Swarming"). `pick` gives a source missing pieces it
 * holds that nobody was asked for: the first `randomFirst` at random (a newcomer soon has something to trade), then
 * the rarest among the sources' bitfields, ties broken at random (so a crowd fetching from one holder fetches
 * different pieces, which it then trades), and with `spareHoldersMs` a full holder only for pieces no source still
 * downloading holds while those deliver. Once every missing piece the source holds is in flight somewhere
 * (endgame) it also asks it for pieces others are slow on, up to `endgameCopies` sources a piece. A piece of a lost
 * source or a bad piece is missing again and picked like any other.
 */
export class PiecePicker<S = string> {
  private readonly opts: Required<PiecePickerOptions>;
  private readonly inflight = new Map<S, Set<number>>();
  private readonly checking = new Set<number>();
  /** When each piece in flight was first asked for (the caller's clock). */
  private readonly askedAt = new Map<number, number>();
  /** What each source still downloading holds; a source absent here holds everything. */
  private readonly avail = new Map<S, Bitfield>();
  /** How many of those partial sources hold each piece (full holders add the same to every piece: left out). */
  private readonly copies: Uint16Array;
  /** When a source still downloading last delivered a piece (the caller's clock). */
  private lastPartial = -Infinity;

  constructor(
    private readonly have: Bitfield,
    options: PiecePickerOptions = {},
  ) {
    this.opts = {
      depth: 1,
      endgameCopies: 2,
      endgameAfterMs: 0,
      randomFirst: 4,
      random: Math.random,
      spareHoldersMs: 0,
      ...options,
    };
    this.copies = new Uint16Array(have.length);
  }

  get depth(): number {
    return this.opts.depth;
  }

  /** The pieces asked of `source` and not arrived. */
  inflightAt(source: S): ReadonlySet<number> {
    return this.inflight.get(source) ?? new Set();
  }

  isChecking(index: number): boolean {
    return this.checking.has(index);
  }

  /** Does `source` hold piece `index`, as far as it said? */
  holds(source: S, index: number): boolean {
    const bits = this.avail.get(source);
    return index >= 0 && index < this.have.length && (!bits || bits.has(index));
  }

  /**
   * Can `source` still help: a full holder always; a source still downloading while it holds a missing piece or has
   * one in flight (docs/PROTOCOL.md "Swarming", "Starved sources").
   */
  canSupply(source: S): boolean {
    const bits = this.avail.get(source);
    if (!bits || (this.inflight.get(source)?.size ?? 0) > 0) return true;
    for (let i = 0; i < this.have.length; i++) if (!this.have.has(i) && bits.has(i)) return true;
    return false;
  }

  /** A source joined: `available` is what it holds when it is still downloading (taken over), else everything. */
  addSource(source: S, available?: Bitfield): void {
    this.dropAvailability(source);
    if (!available) return;
    this.avail.set(source, available);
    for (let i = 0; i < available.length; i++) if (available.has(i)) this.copies[i]!++;
  }

  /** A partial source announced more pieces (`have`); returns those new to it. Indices were checked by the caller. */
  announce(source: S, pieces: readonly number[]): number[] {
    const bits = this.avail.get(source);
    if (!bits) return [];
    const fresh = pieces.filter((p) => bits.set(p));
    for (const p of fresh) this.copies[p]!++;
    return fresh;
  }

  /**
   * Fills `source`'s window; returns the pieces to ask of it now (recorded as in flight there). `now` is the
   * caller's clock in ms, used only for `endgameAfterMs`.
   */
  pick(source: S, now = 0): number[] {
    const mine = this.inflight.get(source) ?? new Set<number>();
    this.inflight.set(source, mine);
    const free = this.opts.depth - mine.size;
    if (free <= 0) return [];
    const asked = this.askedCounts();
    const open = (i: number) => !this.have.has(i) && !this.checking.has(i) && this.holds(source, i);
    const fresh: number[] = [];
    for (let i = 0; i < this.have.length; i++) if (open(i) && !asked.has(i)) fresh.push(i);
    const early = this.have.count + this.checking.size < this.opts.randomFirst;
    const spare = !this.avail.has(source) && now - this.lastPartial < this.opts.spareHoldersMs;
    const pool = spare ? fresh.filter((i) => this.copies[i] === 0) : fresh;
    let picks = this.choose(pool, free, (i) => (early ? 0 : this.copies[i]!));
    if (fresh.length === 0) {
      // Endgame: nothing left that nobody was asked for; ask this source too for what is still missing.
      const late: number[] = [];
      for (let i = 0; i < this.have.length; i++) {
        if (!open(i) || mine.has(i)) continue;
        const waited = now - (this.askedAt.get(i) ?? now);
        if ((asked.get(i) ?? 0) < this.opts.endgameCopies && waited >= this.opts.endgameAfterMs) late.push(i);
      }
      picks = late.slice(0, free);
    }
    for (const p of picks) {
      mine.add(p);
      if (!this.askedAt.has(p)) this.askedAt.set(p, now);
    }
    return picks;
  }

  /** Is some piece in flight that a source could be asked for once it is overdue? (the caller then calls back) */
  get waitingForEndgame(): boolean {
    return this.askedAt.size > 0;
  }

  /**
   * Piece `index` arrived from `source`. Returns whether it is new (to be written and checked; it now counts as
   * being checked) and which other sources still had it in flight (to be sent `cancel`; no longer in flight there).
   * A duplicate (held or being checked already: an endgame copy) is only taken off `source`'s window.
   */
  arrived(source: S, index: number, now = 0): { fresh: boolean; cancel: S[] } {
    this.inflight.get(source)?.delete(index);
    if (this.avail.has(source)) this.lastPartial = now;
    if (this.have.has(index) || this.checking.has(index)) return { fresh: false, cancel: [] };
    this.askedAt.delete(index);
    this.checking.add(index);
    const cancel: S[] = [];
    for (const [other, pieces] of this.inflight) if (other !== source && pieces.delete(index)) cancel.push(other);
    return { fresh: true, cancel };
  }

  /** The check of piece `index` ended: held when `ok` (the caller records it in `have`), else missing again. */
  checked(index: number, ok: boolean): void {
    this.checking.delete(index);
    if (!ok) this.rewind([index]);
  }

  /** `source` is gone: its pieces are nobody's and may be picked again. Returns them. */
  dropSource(source: S): number[] {
    const pieces = [...(this.inflight.get(source) ?? [])];
    this.inflight.delete(source);
    this.dropAvailability(source);
    this.rewind(pieces);
    return pieces;
  }

  /** Pieces found missing again (e.g. a re-check from disk): no longer counted as asked for when nobody has them. */
  rewind(pieces: Iterable<number>): void {
    for (const p of pieces) if (![...this.inflight.values()].some((s) => s.has(p))) this.askedAt.delete(p);
  }

  /** Up to `k` of `candidates`, lowest `key` first, ties broken at random. */
  private choose(candidates: number[], k: number, key: (i: number) => number): number[] {
    const picks: number[] = [];
    const left = [...candidates];
    while (picks.length < k && left.length > 0) {
      let best = -1;
      let bestKey = Infinity;
      let ties = 0;
      for (let j = 0; j < left.length; j++) {
        const v = key(left[j]!);
        if (v < bestKey) [best, bestKey, ties] = [j, v, 1];
        else if (v === bestKey && this.opts.random() * ++ties < 1) best = j; // reservoir: each tie equally likely
      }
      picks.push(left[best]!);
      left.splice(best, 1);
    }
    return picks;
  }

  private dropAvailability(source: S): void {
    const bits = this.avail.get(source);
    if (!bits) return;
    for (let i = 0; i < bits.length; i++) if (bits.has(i)) this.copies[i]!--;
    this.avail.delete(source);
  }

  private askedCounts(): Map<number, number> {
    const asked = new Map<number, number>();
    for (const pieces of this.inflight.values()) for (const p of pieces) asked.set(p, (asked.get(p) ?? 0) + 1);
    return asked;
  }
}
