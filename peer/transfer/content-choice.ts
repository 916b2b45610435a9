import { formatByteSize } from '../../common/byte-size.js';
import type { IndexEntry } from '../../common/wire/server-messages.js';
import type { Sighting } from '../files/address-book.js';
import { sameName } from '../files/file-name.js';
import type { AmbiguousChoice } from '../control/peer-events.js';
import { knownHolders, type KnownHolder } from './known-holders.js';

/**
 * Which content a download takes when holders disagree (pure; docs/CONTRACT.md "Choosing among contents"): a plain
 * `FILE` takes a content only when every holder of that name offers the same SHA-256, otherwise it answers
 * `ambiguous` and fetches nothing; `FILE from PEER` counts only PEER's copy, `FILE sha256 PREFIX` only contents
 * whose SHA-256 starts with PREFIX.
 */

/** What the user narrowed the download to (command-parser.ts: canonical peer name, lower-case hex). */
export interface ContentWant {
  from?: string;
  prefix?: string;
  /** `secure-get`: from trusted `from` alone, trusted content only (trust-gate.ts). */
  secure?: boolean;
}

/** How many hex digits of a SHA-256 sentences show (the user may type them back as a `sha256 PREFIX`). */
const SHOWN_DIGITS = 12;

/** One content under one name, and who holds it (from the index, the address book or offers). */
interface Held {
  name: string;
  sha256: string;
  size: number;
  holders: string[];
}

/** What the known holders (index, address book) decide. */
export type KnownDecision =
  | { kind: 'holders'; targets: Map<string, KnownHolder> }
  | { kind: 'ambiguous'; file: string; choices: AmbiguousChoice[] }
  | { kind: 'refused'; message: string };

/** What the offers gathered from a flood decide: `take` names the content whose offers to accept. */
export type OfferDecision =
  | { kind: 'take'; file: string; sha256: string }
  | { kind: 'ambiguous'; file: string; choices: AmbiguousChoice[] }
  | { kind: 'refused'; message: string };

/** Why an offer does not fit what the user chose, or undefined when it does. */
export function unwanted(want: ContentWant, from: string, sha256: string): string | undefined {
  if (want.from && from.toLowerCase() !== want.from) return `asked for ${want.from}'s copy only`;
  if (want.prefix && !sha256.startsWith(want.prefix))
    return `asked for the content whose SHA-256 starts ${want.prefix}`;
  return undefined;
}

/**
 * Which holders the index and the address book name for the download (`sha256`: the content it already has, if
 * any). The index, when it lists the name, is the whole truth about live holders; the address book speaks only
 * when it does not, each holder counted under the content it was last seen offering.
 */
export function chooseKnown(
  query: string,
  sha256: string | undefined,
  want: ContentWant,
  self: string,
  index: readonly IndexEntry[],
  sightings: readonly Sighting[],
): KnownDecision {
  const fits = (sha: string) => (!sha256 || sha === sha256) && (!want.prefix || sha.startsWith(want.prefix));
  const counts = (name: string) => name !== self && (!want.from || name === want.from);
  const entries = index
    .filter((e) => fits(e.sha256))
    .map((e) => ({ ...e, holders: e.holders.filter((h) => counts(h.name)) }))
    .filter((e) => e.holders.length > 0);
  const seen = freshSightings(sightings)
    .filter((s) => fits(s.sha256))
    .map((s) => ({ ...s, holders: s.holders.filter((h) => counts(h.ref.name)) }))
    .filter((s) => s.holders.length > 0);
  if (!sha256) {
    const held: Held[] =
      entries.length > 0
        ? entries.map((e) => ({ ...e, holders: e.holders.map((h) => h.name) }))
        : seen.map((s) => ({ ...s, holders: s.holders.map((h) => h.ref.name) }));
    const split = disagreement(query, want, held);
    if (split) return split;
  }
  return { kind: 'holders', targets: knownHolders(query, sha256, entries, seen) };
}

/** Which content the offers that answered a flood agree on (each already checked with `unwanted`). */
export function chooseOffered(
  query: string,
  want: ContentWant,
  offers: readonly { file: string; sha256: string; size: number; from: string }[],
): OfferDecision | undefined {
  const held: Held[] = [];
  for (const o of offers) {
    const same = held.find((h) => h.name === o.file && h.sha256 === o.sha256);
    if (same) same.holders.push(o.from);
    else held.push({ name: o.file, sha256: o.sha256, size: o.size, holders: [o.from] });
  }
  const split = disagreement(query, want, held);
  if (split) return split;
  const name = chosenName(query, held);
  const first = held.find((h) => h.name === name);
  return first && { kind: 'take', file: first.name, sha256: first.sha256 };
}

/** The sentence of an `ambiguous` answer: who offers what, and the two ways to choose. */
export function ambiguousMessage(file: string, choices: readonly AmbiguousChoice[]): string {
  const each = choices.map(
    (c) => `${c.sha256.slice(0, SHOWN_DIGITS)} (${formatByteSize(c.bytes)}) from ${c.holders.join(', ')}`,
  );
  const example = choices[0]!;
  return (
    `${choices.length} different contents are offered as ${file}: ${each.join('; ')}. Nothing was fetched: choose ` +
    `with ${file} from ${example.holders[0]} or ${file} sha256 ${example.sha256.slice(0, SHOWN_DIGITS)}`
  );
}

/**
 * The name a download takes (the exact name first, then the one most peers hold, as known-holders.ts does) and,
 * when its holders offer more than one content, the answer that refuses to pick one.
 */
function disagreement(
  query: string,
  want: ContentWant,
  held: readonly Held[],
): { kind: 'ambiguous'; file: string; choices: AmbiguousChoice[] } | { kind: 'refused'; message: string } | undefined {
  const name = chosenName(query, held);
  const contents = new Map<string, AmbiguousChoice>();
  for (const h of held.filter((h) => h.name === name)) {
    const choice = contents.get(h.sha256) ?? { sha256: h.sha256, bytes: h.size, holders: [] };
    for (const holder of h.holders) if (!choice.holders.includes(holder)) choice.holders.push(holder);
    contents.set(h.sha256, choice);
  }
  if (contents.size < 2) return undefined;
  const choices = [...contents.values()]
    .map((c) => ({ ...c, holders: [...c.holders].sort() }))
    .sort((a, b) => b.holders.length - a.holders.length || a.sha256.localeCompare(b.sha256));
  if (!want.prefix) return { kind: 'ambiguous', file: name!, choices };
  const which = choices.map((c) => c.sha256.slice(0, SHOWN_DIGITS)).join(', ');
  return {
    kind: 'refused',
    message: `sha256 ${want.prefix} matches ${choices.length} contents of ${name} (${which}): give more digits`,
  };
}

function chosenName(query: string, held: readonly Held[]): string | undefined {
  const exact = held.find((h) => sameName(h.name, query));
  if (exact) return exact.name;
  const byName = new Map<string, Set<string>>();
  for (const h of held) {
    const names = byName.get(h.name) ?? new Set<string>();
    h.holders.forEach((n) => names.add(n));
    byName.set(h.name, names);
  }
  return [...byName.entries()].sort((a, b) => b[1].size - a[1].size)[0]?.[0];
}

/** The address book's sightings with each holder kept only under the content it was last seen offering by that name. */
function freshSightings(sightings: readonly Sighting[]): Sighting[] {
  const latest = new Map<string, number>();
  const key = (name: string, holder: string) => `${name.normalize('NFC')}\0${holder}`;
  for (const s of sightings) {
    for (const h of s.holders)
      latest.set(key(s.name, h.ref.name), Math.max(latest.get(key(s.name, h.ref.name)) ?? 0, h.seen));
  }
  return sightings.map((s) => ({
    ...s,
    holders: s.holders.filter((h) => h.seen >= latest.get(key(s.name, h.ref.name))!),
  }));
}
