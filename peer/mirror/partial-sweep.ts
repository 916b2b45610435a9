import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { IN_MEMORY_BYTES, partialName, partialOf } from './incoming-file.js';
import type { MirrorBook } from './mirror-book.js';

/**
 * Removes the partial files in `dir` (`.p2p/mirror-partial/`) that no owner's book still wants: a large published
 * file not yet held with that content keeps its partial file (it resumes from it); one for content the owner
 * superseded or dropped, an owner no longer known, or a name of an older form goes. `owner`: only that owner's
 * (after a full round, files touched in the last `quietMs` are left: a request may still be writing them).
 * Returns how many were removed.
 */
export function sweepPartials(
  dir: string,
  books: ReadonlyMap<string, MirrorBook>,
  owner?: string,
  quietMs = 0,
): number {
  const wanted = new Map<string, Set<string>>();
  const wantedOf = (name: string) => {
    let set = wanted.get(name);
    if (set) return set;
    set = new Set();
    const book = books.get(name);
    for (const e of book?.published.values() ?? [])
      if (e.size > IN_MEMORY_BYTES && book!.needsFetch(e.path)) set.add(partialName(name, e.path, e.sha256));
    wanted.set(name, set);
    return set;
  };
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const f of names) {
    if (!f.endsWith('.part')) continue;
    const of = partialOf(f);
    if (owner !== undefined && of?.owner !== owner) continue;
    if (of && wantedOf(of.owner).has(f)) continue;
    try {
      if (quietMs > 0 && Date.now() - statSync(join(dir, f)).mtimeMs < quietMs) continue;
      rmSync(join(dir, f), { force: true });
      removed++;
    } catch {
      // gone meanwhile
    }
  }
  return removed;
}
