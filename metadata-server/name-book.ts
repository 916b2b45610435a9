/**
 * The names the metadata server remembers (docs/SECURITY.md "Identities"): each name is bound to the id of the first
 * peer admitted under it, and stays bound across restarts, so another id asking for it is refused even while its
 * owner is away. The book lives in `names.json` in the server's state folder, written atomically (a temporary file,
 * flushed, renamed, the folder flushed). The operator frees a name with `metadata-server forget NAME`, which edits
 * the same file; a running server reads the file again when it changed under it, before deciding a join.
 *
 * Only the main thread uses it (joins are checked before they reach the registry workers).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../common/atomic-file.js';
import { canonicalName } from '../common/peer-name.js';

export const NAMES_FILE = 'names.json';
/** More names than any mesh has had: a file beyond this is not ours. */
const MAX_NAMES = 100_000;
const ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
const NAME_PATTERN = /^[a-z0-9_-]{1,32}$/;

export interface NameEntry {
  id: string;
  /** When it was first bound, and when its owner was last admitted (ms since epoch). */
  since: number;
  seen: number;
}

export class NameBook {
  private names = new Map<string, NameEntry>();
  /** The file's mtime as we last read or wrote it: another value means `forget` changed it. */
  private stamp = -1;

  /** `file` undefined: remembered for the life of the process only (in-process servers of tests). */
  constructor(readonly file?: string) {
    this.reload();
  }

  static inState(stateDir: string): NameBook {
    return new NameBook(join(stateDir, NAMES_FILE));
  }

  /** The id bound to `name`, if any. */
  idOf(name: string): string | undefined {
    this.reloadIfChanged();
    return this.names.get(canonicalName(name))?.id;
  }

  /** Binds `name` to `id` (a name already bound to another id is the caller's refusal to make) and saves. */
  admit(name: string, id: string, now = Date.now()): void {
    const key = canonicalName(name);
    const known = this.names.get(key);
    if (known && known.id !== id) throw new Error(`${key} is bound to another id`);
    this.names.set(key, { id, since: known?.since ?? now, seen: now });
    this.save();
  }

  /** Frees `name`; false when it was not bound. */
  forget(name: string): boolean {
    this.reloadIfChanged();
    const gone = this.names.delete(canonicalName(name));
    if (gone) this.save();
    return gone;
  }

  entries(): [string, NameEntry][] {
    this.reloadIfChanged();
    return [...this.names.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  private reloadIfChanged(): void {
    if (this.file === undefined) return;
    let mtime = -1;
    try {
      mtime = statSync(this.file).mtimeMs;
    } catch {
      /* missing: nothing changed unless we had read it */
    }
    if (mtime !== this.stamp) this.reload();
  }

  /** Reads the file; a missing file is an empty book, an unreadable or malformed one an error (never discarded). */
  private reload(): void {
    if (this.file === undefined) return;
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
      this.stamp = statSync(this.file).mtimeMs;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.names.clear();
      this.stamp = -1;
      return;
    }
    this.names = parseNames(text, this.file);
  }

  private save(): void {
    if (this.file === undefined) return;
    const body = Object.fromEntries(this.names.entries());
    const text = `${JSON.stringify({ version: 1, names: body }, null, 2)}\n`;
    writeFileAtomic(this.file, text);
    this.stamp = statSync(this.file).mtimeMs;
  }
}

/** Parses `names.json`; throws one sentence naming the file when it is not a name book. */
export function parseNames(text: string, where: string): Map<string, NameEntry> {
  const bad = (why: string) =>
    new Error(`${where} is not a name book (${why}): restore it from a backup, or move it away to start afresh`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw bad('not JSON');
  }
  const names = (parsed as { names?: unknown } | null)?.names;
  if (typeof names !== 'object' || names === null || Array.isArray(names)) throw bad('no "names" object');
  const out = new Map<string, NameEntry>();
  for (const [name, entry] of Object.entries(names as Record<string, unknown>)) {
    if (out.size >= MAX_NAMES) throw bad(`more than ${MAX_NAMES} names`);
    const e = entry as Partial<NameEntry> | null;
    if (!NAME_PATTERN.test(name) || typeof e?.id !== 'string' || !ID_PATTERN.test(e.id)) throw bad(`entry "${name}"`);
    const since = typeof e.since === 'number' ? e.since : 0;
    out.set(name, { id: e.id, since, seen: typeof e.seen === 'number' ? e.seen : since });
  }
  return out;
}
