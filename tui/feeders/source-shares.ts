import type { SourceShare } from '../../peer/control/peer-events.js';

/**
 * One holder's part in a download as the dashboard shows it ("who sent what"): verified bytes it
 * delivered, whether it is still sending, and its share of what the holders delivered in this run.
 */
export interface ShareRow {
  name: string;
  /** Verified bytes this holder delivered (SourceShare.bytes; bytes held from an earlier run are not anyone's). */
  bytes: number;
  /** Still sending, as of the latest event. */
  active: boolean;
  /**
   * Whole percent of the bytes the listed holders delivered; the row's percents add up to exactly 100. Null while
   * nobody has delivered anything yet.
   */
  percent: number | null;
}

/** What a feeder keeps per holder: the event's share without `pieces`, copied so events are never aliased. */
export type KeptShare = Omit<ShareRow, 'percent'>;

/**
 * The holders worth listing: in flight, those that delivered something or are still sending (one that joined and
 * left without a piece says nothing); once finished, only those that delivered something.
 */
export function keptShares(sources: readonly SourceShare[] | undefined, finished: boolean): KeptShare[] {
  return (sources ?? [])
    .filter((s) => s.bytes > 0 || (!finished && s.active))
    .map((s) => ({ name: s.name, bytes: s.bytes, active: s.active }));
}

/** Biggest contributor first (ties keep the event's order), each with its percent. */
export function withPercents(shares: readonly KeptShare[]): ShareRow[] {
  const sorted = [...shares].sort((a, b) => b.bytes - a.bytes);
  const percents = wholePercents(sorted.map((s) => s.bytes));
  return sorted.map((s, i) => ({ ...s, percent: percents?.[i] ?? null }));
}

/**
 * Whole percents of `parts` that add up to exactly 100 (largest remainder: floor each, then give the missing
 * points to the biggest fractions), so `60% + 40%` never reads `59% + 40%`. Null when the parts sum to zero.
 */
export function wholePercents(parts: readonly number[]): number[] | null {
  const total = parts.reduce((n, p) => n + Math.max(0, p), 0);
  if (total <= 0) return null;
  const exact = parts.map((p) => (Math.max(0, p) * 100) / total);
  const out = exact.map(Math.floor);
  let missing = 100 - out.reduce((n, p) => n + p, 0);
  const byRemainder = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of byRemainder) {
    if (missing <= 0) break;
    out[i] = out[i]! + 1;
    missing -= 1;
  }
  return out;
}
