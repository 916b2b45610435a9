import type { IndexEntry } from '../../common/wire/server-messages.js';
import type { PeerRef } from '../../common/wire/shapes.js';
import type { Sighting } from '../files/address-book.js';
import { sameName } from '../files/file-name.js';

/** A holder to dial with `fetch`, and what to ask it for. */
export interface KnownHolder {
  ref: PeerRef;
  file: string;
  sha256: string;
}

/**
 * Which known holders a download dials before it floods (pure): one content is chosen, the exact name first, then
 * the content most peers hold (or the content the download already has, `sha256`), and every holder the metadata
 * server's index and the address book know for it, each once, the index's first.
 */
export function knownHolders(
  query: string,
  sha256: string | undefined,
  index: readonly IndexEntry[],
  sightings: readonly Sighting[],
): Map<string, KnownHolder> {
  const wanted = (sha: string) => !sha256 || sha === sha256;
  const entries = index
    .filter((e) => wanted(e.sha256))
    .sort(
      (a, b) =>
        Number(sameName(b.name, query)) - Number(sameName(a.name, query)) || b.holders.length - a.holders.length,
    );
  const seen = sightings.filter((s) => wanted(s.sha256));
  const choice = entries[0] ?? seen[0];
  const targets = new Map<string, KnownHolder>();
  if (!choice) return targets;
  for (const e of entries.filter((e) => e.sha256 === choice.sha256 && e.name === choice.name)) {
    for (const h of e.holders) targets.set(h.name, { ref: h, file: choice.name, sha256: choice.sha256 });
  }
  for (const s of seen.filter((s) => s.sha256 === choice.sha256)) {
    for (const h of s.holders) {
      if (!targets.has(h.ref.name)) targets.set(h.ref.name, { ref: h.ref, file: s.name, sha256: s.sha256 });
    }
  }
  return targets;
}
