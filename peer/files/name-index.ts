import type { NameMatch } from './relative-path.js';

/**
 * The files of a listing by what finds them (relative-path.ts nameMatch): the path, the base name of a nested path,
 * and the stems, each in NFC. Built once per listing, so a query costs a few lookups, not a comparison with each of
 * 100,000 names (docs/performance.md "Shared trees").
 */
export class NameIndex<T extends { name: string }> {
  private readonly index = new Map<string, T[]>();

  constructor(files: Iterable<T>) {
    for (const f of files) {
      const nfc = toNfc(f.name);
      const slash = nfc.lastIndexOf('/');
      const base = nfc.slice(slash + 1);
      const keys = new Set<string>([`0\0${nfc}`]);
      if (slash >= 0) keys.add(`1\0${base}`);
      for (const stem of [stemOfPath(nfc, slash), slash >= 0 ? stemOfPath(base, -1) : undefined])
        if (stem !== undefined) keys.add(`2\0${stem}`);
      for (const key of keys) {
        const list = this.index.get(key);
        if (list) list.push(f);
        else this.index.set(key, [f]);
      }
    }
  }

  /**
   * The files `query` names at its best level that pass `keep`: the exact path (an exact spelling before another
   * normalization of it), else every path of that base name, else every path of that stem.
   */
  find(query: string, keep: (f: T) => boolean = () => true): T[] {
    const nfc = toNfc(query);
    for (const level of [0, 1, 2] as NameMatch[]) {
      const found = (this.index.get(`${level}\0${nfc}`) ?? []).filter(keep);
      if (found.length === 0) continue;
      return level > 0 ? found : [found.find((f) => f.name === query) ?? found[0]!];
    }
    return [];
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
