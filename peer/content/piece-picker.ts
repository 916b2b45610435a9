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
}

/**
 * Which piece to ask of which source: pure bookkeeping, no I/O and no timers. A piece is missing (its bit in `have`
 * is clear), in flight at one or more sources (asked, not arrived), or being checked (arrived, written and handed to
 * the hashing thread). `pick` gives a source the lowest missing pieces nobody was asked for (the disk writes
 * sequentially and the whole-file hash advances in order); once every missing piece is in flight somewhere
 * (endgame) it also asks a source for pieces others are slow on, up to `endgameCopies` sources a piece. A lost source
 * or a bad piece rewinds the cursor so those pieces are picked first again.
 */
export class PiecePicker<S = string> {
  private readonly opts: Required<PiecePickerOptions>;
  private readonly inflight = new Map<S, Set<number>>();
  private readonly checking = new Set<number>();
  /** When each piece in flight was first asked for (the caller's clock). */
  private readonly askedAt = new Map<number, number>();
  /** Every piece below the cursor is held or being checked. */
  private cursor = 0;

  constructor(
    private readonly have: Bitfield,
    options: PiecePickerOptions = {},
  ) {
    this.opts = { depth: 1, endgameCopies: 2, endgameAfterMs: 0, ...options };
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
    while (this.cursor < this.have.length && (this.have.has(this.cursor) || this.checking.has(this.cursor)))
      this.cursor++;
    const picks: number[] = [];
    for (let i = this.cursor; i < this.have.length && picks.length < free; i++) {
      if (!this.have.has(i) && !this.checking.has(i) && !asked.has(i)) picks.push(i);
    }
    if (picks.length === 0) {
      // Endgame: nothing left that nobody was asked for; ask this source too for what is still missing.
      for (let i = this.cursor; i < this.have.length && picks.length < free; i++) {
        if (this.have.has(i) || this.checking.has(i) || mine.has(i)) continue;
        if (
          (asked.get(i) ?? 0) < this.opts.endgameCopies &&
          now - (this.askedAt.get(i) ?? now) >= this.opts.endgameAfterMs
        )
          picks.push(i);
      }
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
  arrived(source: S, index: number): { fresh: boolean; cancel: S[] } {
    this.inflight.get(source)?.delete(index);
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

  /** `source` is gone: its pieces are nobody's and are picked first again. Returns them. */
  dropSource(source: S): number[] {
    const pieces = [...(this.inflight.get(source) ?? [])];
    this.inflight.delete(source);
    this.rewind(pieces);
    return pieces;
  }

  /** Pieces found missing again (e.g. a re-check from disk): picked first. */
  rewind(pieces: Iterable<number>): void {
    for (const p of pieces) {
      if (p < this.cursor) this.cursor = p;
      if (![...this.inflight.values()].some((s) => s.has(p))) this.askedAt.delete(p);
    }
  }

  private askedCounts(): Map<number, number> {
    const asked = new Map<number, number>();
    for (const pieces of this.inflight.values()) for (const p of pieces) asked.set(p, (asked.get(p) ?? 0) + 1);
    return asked;
  }
}
