import { stemOf } from '../files/file-name.js';

/** Most names a `not-found` suggests. */
export const MAX_SUGGESTIONS = 5;

/**
 * Close names for a name that matched nothing (pure; docs/CONTRACT.md "Peer commands"): from every name the mesh is
 * known to hold, best first: the same name or stem in another case, then names that contain what was typed (or
 * whose stem it contains), then names a few typos away (edit distance, case-insensitive, on the name or its stem).
 * `dataset` suggests `dataset-4mb.bin`; `notse.txt` suggests `notes.txt`.
 */
export function suggestNames(query: string, names: Iterable<string>, limit = MAX_SUGGESTIONS): string[] {
  const q = query.toLowerCase();
  const qStem = stemOf(q);
  const scored: [number, number, string][] = [];
  for (const name of new Set(names)) {
    if (name === query) continue;
    const n = name.toLowerCase();
    const stem = stemOf(n);
    const whole = editDistance(q, n);
    const distance = Math.min(whole, editDistance(qStem, stem));
    let tier: number;
    if (n === q) tier = 0;
    else if (stem === q || stem === qStem) tier = 1;
    else if (n.includes(q) || (qStem.length >= 3 && n.includes(qStem)) || (stem.length >= 3 && q.includes(stem)))
      tier = 2;
    else if (distance <= Math.max(1, Math.min(3, Math.floor(qStem.length / 3)))) tier = 3;
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

/** Edit distance counting a swap of two neighbours as one typo (optimal string alignment; names ≤ 255 bytes). */
function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      current[j] = d;
    }
    before = previous;
    previous = current;
  }
  return previous[b.length]!;
}
