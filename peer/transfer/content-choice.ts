import { formatByteSize } from '../../common/byte-size.js';
import type { IndexEntry } from '../../common/wire/server-messages.js';
import type { Sighting } from '../files/address-book.js';
import { sameName } from '../files/file-name.js';
import { baseOf, nameMatch } from '../files/relative-path.js';
import type { AmbiguousChoice } from '../control/peer-events.js';
import { knownHolders, type KnownHolder } from './known-holders.js';

/**
 * Which content a download takes when holders disagree (pure; docs/CONTRACT.md "Choosing among contents"): a plain
 * `FILE` takes a content only when every holder of that name offers the same SHA-256, otherwise it answers
 * `ambiguous` and fetches nothing; `FILE from PEER` counts only PEER's copy, `FILE sha256 PREFIX` only contents
 * whose SHA-256 starts with PREFIX. A bare name that names several paths (`report.pdf` for `docs/report.pdf` and
 * `old/report.pdf`) is `ambiguous` too, each choice with its `path` (docs/CONTRACT.md "Mirror, discovery and
 * bandwidth").
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
  const name = chosenName(query, held) as string | undefined; // several paths were `ambiguous` above
  const first = held.find((h) => h.name === name);
  return first && { kind: 'take', file: first.name, sha256: first.sha256 };
}

/**
 * Whether an offer that came while a flood's answers are still watched (downloads.ts) contests the content taken for
 * `query`: another content under the same path, or another path the query names as well as the one taken (a bare
 * name of two paths), unless the query named the taken path exactly.
 */
export function contests(query: string, taken: string, offered: string, sameContent: boolean): boolean {
  if (sameName(offered, taken)) return !sameContent;
  return nameMatch(query, taken) !== 0 && nameMatch(query, offered) !== undefined;
}

/** The sentence of an `ambiguous` answer: who offers what, and the two ways to choose (or the paths to choose from). */
export function ambiguousMessage(file: string, choices: readonly AmbiguousChoice[]): string {
  if (choices.some((c) => c.path !== undefined)) {
    const paths = [...new Set(choices.map((c) => c.path!))];
    const each = choices.map((c) => `${c.path} (${formatByteSize(c.bytes)}) from ${c.holders.join(', ')}`);
    return `${file} names ${paths.length} files: ${each.join('; ')}. Nothing was fetched: ask for one by its path, such as ${paths[0]}`;
  }
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
  if (Array.isArray(name)) return { kind: 'ambiguous', file: query, choices: pathChoices(name, held) };
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

/**
 * The name a download takes: the exact path first; else, among names grouped by base name, the group whose base name
 * is what was typed, else the one most peers hold (a stem typed: `notes` for `notes.txt` and `notes.md`). When that
 * group holds several paths (`docs/report.pdf`, `old/report.pdf`), the list of them: the user must choose.
 */
function chosenName(query: string, held: readonly Held[]): string | string[] | undefined {
  const exact = held.find((h) => sameName(h.name, query));
  if (exact) return exact.name;
  const byBase = new Map<string, { holders: Set<string>; paths: Set<string> }>();
  for (const h of held) {
    const base = baseOf(h.name).normalize('NFC');
    const group = byBase.get(base) ?? { holders: new Set<string>(), paths: new Set<string>() };
    h.holders.forEach((n) => group.holders.add(n));
    group.paths.add(h.name);
    byBase.set(base, group);
  }
  const groups = [...byBase.entries()].sort(
    (a, b) => Number(sameName(b[0], query)) - Number(sameName(a[0], query)) || b[1].holders.size - a[1].holders.size,
  );
  const paths = [...(groups[0]?.[1].paths ?? [])];
  return paths.length > 1 ? paths.sort() : paths[0];
}

/** One choice per path and content, by path, then the content most peers hold. */
function pathChoices(paths: readonly string[], held: readonly Held[]): AmbiguousChoice[] {
  const choices: AmbiguousChoice[] = [];
  for (const h of held.filter((h) => paths.includes(h.name))) {
    const same = choices.find((c) => c.path === h.name && c.sha256 === h.sha256);
    if (same) for (const n of h.holders) if (!same.holders.includes(n)) same.holders.push(n);
    if (!same) choices.push({ sha256: h.sha256, bytes: h.size, holders: [...h.holders], path: h.name });
  }
  for (const c of choices) c.holders.sort();
  const byPath = (a: AmbiguousChoice, b: AmbiguousChoice) => (a.path! < b.path! ? -1 : a.path! > b.path! ? 1 : 0);
  return choices.sort((a, b) => byPath(a, b) || b.holders.length - a.holders.length);
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
