/**
 * Where a scrollable text area is scrolled to: the log panel (at rest at its bottom, following new lines) or a view
 * (at rest at its top). Pure, so paging and anchoring are unit-tested without a terminal.
 *
 * Rows are the lines as wrapped for the current width; each says which line it belongs to (`key`, increasing) and
 * which of that line's rows it is (`sub`). Away from rest the position is held as the key of the top row, not as a
 * row number, so lines arriving below, old lines dropped above, or a resize that rewraps everything leave the same
 * text at the top.
 */

export interface RowKey {
  key: number;
  sub: number;
}

export type ScrollRest = 'bottom' | 'top';

export class ScrollState {
  private anchor: RowKey | null = null;
  private rows: readonly RowKey[] = [];
  private height = 1;
  /** Key of the newest line when the user scrolled away from the bottom: later ones are "new". */
  private newest: number | null = null;

  constructor(private readonly rest: ScrollRest) {}

  /**
   * The first row shown when `height` rows of `rows` fit. Remembers both, so that the keys pressed until the next
   * frame move by what is on screen.
   */
  layout(rows: readonly RowKey[], height: number): number {
    this.rows = rows;
    this.height = Math.max(1, height);
    return this.start();
  }

  /** True at the bottom (following new lines) or at the top of a view. */
  get atRest(): boolean {
    return this.anchor === null;
  }

  /** Key of the newest line when the user scrolled up (null while following). */
  get newestWhenScrolled(): number | null {
    return this.newest;
  }

  /** PgUp (-1) or PgDn (1): a screenful, keeping one row of the previous screen in sight. */
  page(direction: -1 | 1): void {
    this.scrollBy(direction * Math.max(1, this.height - 1));
  }

  /** Scrolls by `rows` rows (negative: towards older lines). */
  scrollBy(rows: number): void {
    this.moveTo(this.start() + rows);
  }

  home(): void {
    this.moveTo(0);
  }

  end(): void {
    this.moveTo(Number.MAX_SAFE_INTEGER);
  }

  /** Back to rest, forgetting the position (a new view opened). */
  reset(): void {
    this.anchor = null;
    this.newest = null;
  }

  private max(): number {
    return Math.max(0, this.rows.length - this.height);
  }

  private start(): number {
    const max = this.max();
    if (this.anchor === null) return this.rest === 'bottom' ? max : 0;
    return Math.min(max, firstAtOrAfter(this.rows, this.anchor));
  }

  private moveTo(target: number): void {
    const max = this.max();
    const start = Math.max(0, Math.min(max, Math.round(target)));
    if (this.rest === 'bottom' ? start >= max : start <= 0) {
      this.reset();
      return;
    }
    if (this.anchor === null && this.rest === 'bottom') this.newest = this.rows[this.rows.length - 1]?.key ?? null;
    const row = this.rows[start]!;
    this.anchor = { key: row.key, sub: row.sub };
  }
}

/** Index of the first row at or after `at` (rows are sorted by key, then sub); rows.length when none is. */
function firstAtOrAfter(rows: readonly RowKey[], at: RowKey): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const r = rows[mid]!;
    if (r.key < at.key || (r.key === at.key && r.sub < at.sub)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
