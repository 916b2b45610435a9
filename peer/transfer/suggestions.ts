import { stemOf } from '../files/file-name.js';
import { isSafePath } from '../files/relative-path.js';

/** Most names a `not-found` suggests. */
export const MAX_SUGGESTIONS = 5;

/**
 * Close names for a name that matched nothing (pure; docs/CONTRACT.md "Peer commands"): from every name the mesh is
 * known to hold, best first: the same name or stem in another case, then names that contain what was typed (or
 * whose stem it contains), then names a few typos away (edit distance, case-insensitive, on the name or its stem).
 * `dataset` suggests `dataset-4mb.bin`; `notse.txt` suggests `notes.txt`.
 */
export function suggestNames(query: string, names: Iterable<string>, limit = MAX_SUGGESTIONS): string[] {
  // Compared in NFC, like names everywhere (docs/PROTOCOL.md "File names"): `CAFÉ.TXT` finds a decomposed café.txt.
  const q = query.normalize('NFC').toLowerCase();
  const qStem = stemOf(q);
  const typos = Math.max(1, Math.min(MAX_TYPOS, Math.floor(qStem.length / 3)));
  const scored: [number, number, string][] = [];
  for (const name of new Set(names)) {
    // Names come from the index and other peers: one that could not be fetched (or would garble a terminal) is
    // never suggested.
    if (name === query || !isSafePath(name)) continue;
    const n = name.normalize('NFC').toLowerCase();
    const stem = stemOf(n);
    const whole = boundedDistance(q, n, MAX_TYPOS);
    let tier: number;
    if (n === q) tier = 0;
    else if (stem === q || stem === qStem) tier = 1;
    else if (n.includes(q) || (qStem.length >= 3 && n.includes(qStem)) || (stem.length >= 3 && q.includes(stem)))
      tier = 2;
    else if (Math.min(whole, boundedDistance(qStem, stem, typos)) <= typos) tier = 3;
    else continue;
    scored.push([tier, whole, name]); // closest whole name first within a tier
  }
  scored.sort((a, b) => a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0));
  return scored.slice(0, limit).map(([, , name]) => name);
}

/** The one sentence a `not-found` says: nobody holds it, and the close names if there are any. */
export function notFoundMessage(file: string, suggestions: readonly string[]): string {
  const base = `${file}: no peer holds it (nothing in the index, no answer from the mesh)`;
  return suggestions.length > 0 ? `${base}; did you mean ${suggestions.join(', ')}?` : base;
}

/** Most typos a suggestion may be away from what was typed. */
const MAX_TYPOS = 3;

/**
 * Edit distance counting a swap of two neighbours as one typo (optimal string alignment), or `max + 1` as soon as it
 * is known to exceed `max`: only a band of width 2·max+1 around the diagonal is computed, so thousands of long names
 * (the index holds up to a few thousand, up to 255 bytes each) cost milliseconds, not seconds.
 */
function boundedDistance(a: string, b: string, max: number): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const far = max + 1;
  // Three rows reused in turn; only the band and the cells just outside it are ever read.
  let before = new Int32Array(b.length + 1).fill(far);
  let previous = new Int32Array(b.length + 1).fill(far);
  let current = new Int32Array(b.length + 1).fill(far);
  for (let j = 0; j <= Math.min(b.length, max); j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const low = Math.max(1, i - max);
    const high = Math.min(b.length, i + max);
    current[low - 1] = low === 1 ? (i <= max ? i : far) : far;
    if (high === i + max) previous[high] = far; // outside the previous row's band: stale from an older row
    let best = current[low - 1]!;
    for (let j = low; j <= high; j++) {
      let d = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      d = Math.min(d, far);
      current[j] = d;
      best = Math.min(best, d);
    }
    if (best > max) return far;
    [before, previous, current] = [previous, current, before];
  }
  return Math.min(previous[b.length]!, far);
}
