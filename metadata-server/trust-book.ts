/**
 * Trusted peers and trusted files (docs/SECURITY.md "Trusted peers and files"; the original "database peer"
 * design): the names the operator trusts (`--trust`), and every file a trusted peer shares, by name, size, SHA-256
 * and publisher. Both are remembered in `trust.json` in the server's state folder (atomic writes), so a trusted
 * file stays trusted while its publisher is away. The server signs the list with its own key (`signed`); every peer
 * verifies the signature against the server key it pinned.
 *
 * Only the main thread uses it: it sees every `index` a connection sends, and the names joins were admitted under.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../common/atomic-file.js';
import { PEER_NAME_PATTERN } from '../common/peer-name.js';
import type { SigningKey } from '../common/signing-key.js';
import {
  MAX_TRUSTED_FILES,
  TRUST_SIGNING_CONTEXT,
  type IndexedFile,
  type ServerMessages,
  type TrustedFile,
  type TrustListBody,
} from '../common/wire/server-messages.js';
import type { NameBook } from './name-book.js';

export const TRUST_FILE = 'trust.json';
const SHA256 = /^[0-9a-f]{64}$/;

interface Stored {
  version: 1;
  names: string[];
  /** Per trusted publisher, the files its last index listed. */
  files: Record<string, IndexedFile[]>;
}

export class TrustBook {
  private names: string[] = [];
  private files = new Map<string, IndexedFile[]>();

  /** `file` undefined: remembered for the life of the process only. */
  constructor(readonly file?: string) {
    if (file === undefined) return;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const stored = parseStored(text, file);
    this.names = stored.names;
    this.files = new Map(Object.entries(stored.files));
  }

  static inState(stateDir: string): TrustBook {
    return new TrustBook(join(stateDir, TRUST_FILE));
  }

  /** The trusted names, canonical and sorted. */
  trusted(): string[] {
    return [...this.names];
  }

  isTrusted(name: string): boolean {
    return this.names.includes(name.toLowerCase());
  }

  /** Replaces the trusted names (`--trust`); a name no longer trusted takes its files off the list. */
  setTrusted(names: string[]): void {
    this.names = [...new Set(names.map((n) => n.toLowerCase()))].sort();
    for (const publisher of [...this.files.keys()]) if (!this.names.includes(publisher)) this.files.delete(publisher);
    this.save();
  }

  /** A peer's new index: kept when the peer is trusted. True when the trusted files changed. */
  noteIndex(name: string, files: IndexedFile[]): boolean {
    const publisher = name.toLowerCase();
    if (!this.isTrusted(publisher)) return false;
    const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const before = this.files.get(publisher);
    if (before && JSON.stringify(before) === JSON.stringify(sorted)) return false;
    this.files.set(publisher, sorted);
    this.save();
    return true;
  }

  /** The list as peers get it: trusted peers with their bound ids, and trusted files, signed by `key`. */
  signed(names: NameBook, key: SigningKey, issued = Date.now()): ServerMessages['trust'] {
    const files: TrustedFile[] = [];
    for (const publisher of this.names) {
      for (const f of this.files.get(publisher) ?? []) files.push({ ...f, publisher });
    }
    const body: TrustListBody = {
      version: 1,
      issued,
      peers: this.names.map((name) => {
        const id = names.idOf(name);
        return id === undefined ? { name } : { name, id };
      }),
      files: files.slice(0, MAX_TRUSTED_FILES),
      complete: files.length <= MAX_TRUSTED_FILES,
    };
    const list = JSON.stringify(body);
    const signature = key.sign(Buffer.from(TRUST_SIGNING_CONTEXT + list, 'utf8')).toString('base64');
    return { list, signature };
  }

  private save(): void {
    if (this.file === undefined) return;
    const stored: Stored = { version: 1, names: this.names, files: Object.fromEntries(this.files) };
    writeFileAtomic(this.file, `${JSON.stringify(stored, null, 2)}\n`);
  }
}

/** Parses `trust.json`; one sentence naming the file when it is not ours. */
function parseStored(text: string, where: string): Stored {
  const bad = (why: string) =>
    new Error(
      `${where} is not a trust list (${why}): restore it from a backup, or move it away and pass --trust again`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw bad('not JSON');
  }
  const p = parsed as Partial<Stored> | null;
  if (!Array.isArray(p?.names) || !p.names.every((n) => typeof n === 'string' && PEER_NAME_PATTERN.test(n)))
    throw bad('"names" is not a list of peer names');
  const files: Record<string, IndexedFile[]> = {};
  for (const [publisher, list] of Object.entries((p.files ?? {}) as Record<string, unknown>)) {
    if (!PEER_NAME_PATTERN.test(publisher) || !Array.isArray(list)) throw bad(`files of "${publisher}"`);
    files[publisher] = list.map((f: Partial<IndexedFile>) => {
      if (typeof f?.name !== 'string' || typeof f.size !== 'number' || typeof f.sha256 !== 'string')
        throw bad(`a file of "${publisher}"`);
      if (!SHA256.test(f.sha256)) throw bad(`a file of "${publisher}"`);
      return { name: f.name, size: f.size, sha256: f.sha256 };
    });
  }
  return { version: 1, names: p.names.map((n) => n.toLowerCase()), files };
}
