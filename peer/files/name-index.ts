import type { NameMatch } from './relative-path.js';

/**
 * The files of a listing by what finds them (relative-path.ts nameMatch): the path, the base name of a nested path,
 * and the stems, each in NFC. Built once per listing, so a query costs a few lookups, not a comparison with each of
 * 100,000 names (docs/performance.md "Shared trees").
 */
export class NameIndex<T extends { name: string }> {
  /** By level (nameMatch: 0 path, 1 base name, 2 stem): one file, or the files sharing that key. */
  private readonly levels = [new Map<string, T | T[]>(), new Map<string, T | T[]>(), new Map<string, T | T[]>()];

  constructor(files: Iterable<T>) {
    for (const f of files) {
      const nfc = toNfc(f.name); // the name itself when ASCII: no new string per file
      const slash = nfc.lastIndexOf('/');
      this.add(0, nfc, f);
      if (slash >= 0) this.add(1, nfc.slice(slash + 1), f);
      const stem = stemOfPath(nfc, slash);
      if (stem !== undefined) this.add(2, stem, f);
      const baseStem = slash >= 0 ? stemOfPath(nfc.slice(slash + 1), -1) : undefined;
      if (baseStem !== undefined) this.add(2, baseStem, f);
    }
  }

  /**
   * The files `query` names at its best level that pass `keep`: the exact path (an exact spelling before another
   * normalization of it), else every path of that base name, else every path of that stem.
   */
  find(query: string, keep: (f: T) => boolean = () => true): T[] {
    const nfc = toNfc(query);
    for (const level of [0, 1, 2] as NameMatch[]) {
      const held = this.levels[level]!.get(nfc);
      const found = (held === undefined ? [] : Array.isArray(held) ? held : [held]).filter(keep);
      if (found.length === 0) continue;
      return level > 0 ? found : [found.find((f) => f.name === query) ?? found[0]!];
    }
    return [];
  }

  private add(level: NameMatch, key: string, f: T): void {
    const map = this.levels[level]!;
    const held = map.get(key);
    if (held === undefined) map.set(key, f);
    else if (Array.isArray(held)) {
      if (!held.includes(f)) held.push(f);
    } else if (held !== f) map.set(key, [held, f]);
  }
}

/** NFC, skipping printable ASCII (its own NFC), which most of 100,000 names are. */
function toNfc(name: string): string {
  return /^[\x20-\x7e]*$/.test(name) ? name : name.normalize('NFC');
}

/** The path with its base name's last extension cut (`docs/a.tar.gz` → `docs/a.tar`); undefined when it has none. */
function stemOfPath(path: string, slash: number): string | undefined {
  const dot = path.lastIndexOf('.');
  return dot > slash + 1 ? path.slice(0, dot) : undefined;
}
