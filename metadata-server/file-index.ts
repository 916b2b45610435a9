import {
  MAX_INDEX_ENTRIES,
  type IndexEntry,
  type IndexedFile,
  type ServerMessages,
} from '../common/wire/server-messages.js';
import type { PeerRef } from '../common/wire/shapes.js';

/**
 * The pure half of the mesh's file index: turning what each live peer holds into the answer of one `files-request`
 * (matching, aggregation by (name, sha256), sorting, truncation). No registry, no threads: the service copies the
 * holdings out of the shared registry and calls these outside the lock.
 *
 * Order is by UTF-16 code units (JavaScript's default string comparison), never locale-dependent, so every worker
 * and every machine gives the same answer.
 */

/** What one live peer holds. */
export interface Holding {
  holder: PeerRef;
  files: readonly IndexedFile[];
}

export type FilesQuery = Pick<ServerMessages['files-request'], 'mode' | 'pattern'>;

/**
 * A name without its last extension: `a.tar.gz` → `a.tar`, `notes.` → `notes`. A name with no dot, or whose only
 * dot leads it (`.bashrc`), is its own stem.
 */
export function stemOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? name : name.slice(0, dot);
}

/**
 * The entries answering `query`: one per distinct (name, sha256) pair held by the given peers, with every holder
 * (sorted by name, each once), sorted by name then sha256, at most `maxEntries`.
 *
 * - `all`: everything.
 * - `substring`: names containing `pattern`, ignoring case (`toLowerCase`, locale-independent); an empty pattern
 *   matches everything.
 * - `name`: names equal to `pattern` (case-sensitive); when there are none and `pattern` has no `/`, paths whose last
 *   component equals it (`report.pdf` finds `docs/report.pdf`); else names whose stem equals it (`report`,
 *   `docs/report`). Names are relative paths (docs/PROTOCOL.md "File names").
 *
 * Both compare names in Unicode NFC, so a composed `é` finds a name stored decomposed (docs/PROTOCOL.md "File names").
 * When holders disagree on the size of the same (name, sha256) (only a lying or buggy peer can), the size reported
 * by the first holder in name order is kept.
 */
export function searchIndex(
  holdings: readonly Holding[],
  query: FilesQuery,
  maxEntries = MAX_INDEX_ENTRIES,
): IndexEntry[] {
  let entries = aggregate(holdings);
  if (query.mode === 'substring') {
    const needle = nfc(query.pattern).toLowerCase();
    entries = entries.filter((e) => nfc(e.name).toLowerCase().includes(needle));
  } else if (query.mode === 'name') {
    entries = byName(entries, nfc(query.pattern));
  }
  entries.sort(byNameThenSha);
  return entries.length > maxEntries ? entries.slice(0, maxEntries) : entries;
}

/** The entries `wanted` (in NFC) names at the best level: the exact path, else a base name, else a stem. */
function byName(entries: IndexEntry[], wanted: string): IndexEntry[] {
  const exact = entries.filter((e) => nfc(e.name) === wanted);
  if (exact.length > 0) return exact;
  const bare = !wanted.includes('/');
  const base = bare ? entries.filter((e) => e.name.includes('/') && nfc(baseOf(e.name)) === wanted) : [];
  if (base.length > 0) return base;
  return entries.filter((e) => {
    const name = nfc(e.name);
    const slash = name.lastIndexOf('/');
    return (
      name.slice(0, slash + 1) + stemOf(name.slice(slash + 1)) === wanted || (bare && stemOf(baseOf(name)) === wanted)
    );
  });
}

/** The last component of a path: `docs/report.pdf` → `report.pdf`. */
export function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * `name` in NFC. Every query compares every indexed name, and normalizing a decomposed name costs far more than
 * comparing it, so results are remembered (names repeat from query to query), up to a bound.
 */
function nfc(name: string): string {
  // Printable ASCII is its own NFC: the common case skips the lookup.
  if (/^[\x20-\x7e]*$/.test(name)) return name;
  let normal = NFC_CACHE.get(name);
  if (normal === undefined) {
    if (NFC_CACHE.size >= NFC_CACHE_MAX) NFC_CACHE.clear();
    normal = name.normalize('NFC');
    NFC_CACHE.set(name, normal);
  }
  return normal;
}

const NFC_CACHE_MAX = 100_000;
const NFC_CACHE = new Map<string, string>();

/** One entry per distinct (name, sha256) across `holdings`, holders in name order; unsorted. */
export function aggregate(holdings: readonly Holding[]): IndexEntry[] {
  const byKey = new Map<string, IndexEntry>();
  const ordered = [...holdings].sort((a, b) => compare(a.holder.name, b.holder.name));
  for (const { holder, files } of ordered) {
    for (const file of files) {
      // sha256 is exactly 64 characters, so putting it first makes the key unambiguous whatever the name holds.
      const key = file.sha256 + file.name;
      const entry = byKey.get(key);
      if (!entry) {
        byKey.set(key, { name: file.name, size: file.size, sha256: file.sha256, holders: [holder] });
      } else if (entry.holders[entry.holders.length - 1] !== holder) {
        // Holdings are visited one holder at a time, so a peer listing a file twice is caught by the last holder.
        entry.holders.push(holder);
      }
    }
  }
  return [...byKey.values()];
}

/**
 * The longest prefix of `entries` whose `files` frame fits `maxFrameBytes` (type byte + JSON payload, as the
 * receiving FrameDecoder counts it). A peer's Channel closes the connection on a larger frame, which would cost it
 * its registration, so an answer is cut rather than sent too big.
 */
export function fitFilesReply(rid: string, entries: IndexEntry[], maxFrameBytes: number): IndexEntry[] {
  // JSON.stringify({rid, entries}) is this wrapper around the entries joined by commas (message-table.ts encodes
  // with JSON.stringify and the body is built with these keys in this order).
  let bytes = 1 + Buffer.byteLength(JSON.stringify({ rid, entries: [] }), 'utf8');
  for (let i = 0; i < entries.length; i++) {
    bytes += Buffer.byteLength(JSON.stringify(entries[i]), 'utf8') + (i > 0 ? 1 : 0);
    if (bytes > maxFrameBytes) return entries.slice(0, i);
  }
  return entries;
}

function byNameThenSha(a: IndexedFile, b: IndexedFile): number {
  return compare(a.name, b.name) || compare(a.sha256, b.sha256);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
