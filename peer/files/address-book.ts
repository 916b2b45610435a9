import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { IndexedFile } from '../../common/wire/server-messages.js';
import type { PeerRef } from '../../common/wire/shapes.js';
import { bestMatches } from './relative-path.js';

export interface Sighting extends IndexedFile {
  holders: { ref: PeerRef; seen: number }[];
}

export interface AddressBookOptions {
  /** Most (name, content) pairs remembered; the least recently seen are forgotten first. Default 1000. */
  maxEntries?: number;
}

/**
 * Who was seen holding what (an address book): every offer and every index answer is recorded, so later
 * downloads of the same file can go straight to its holders without flooding, also when the metadata server is
 * unreachable. Kept in `.p2p/address-book.json` across restarts.
 */
export class AddressBook {
  private readonly entries = new Map<string, Sighting>();
  private readonly maxEntries: number;
  private saveTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly file: string,
    options: AddressBookOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? 1000;
    this.load();
  }

  record(file: IndexedFile, holder: PeerRef): void {
    const key = `${file.name}\0${file.sha256}`;
    const entry = this.entries.get(key) ?? { name: file.name, size: file.size, sha256: file.sha256, holders: [] };
    entry.holders = [{ ref: holder, seen: Date.now() }, ...entry.holders.filter((h) => h.ref.name !== holder.name)];
    this.entries.delete(key); // re-insert: the map's order is recency
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.scheduleSave();
  }

  /** A holder that could not be reached for this content is forgotten for it. */
  forget(sha256: string, holder: string): void {
    for (const entry of this.entries.values()) {
      if (entry.sha256 === sha256) entry.holders = entry.holders.filter((h) => h.ref.name !== holder);
    }
    this.scheduleSave();
  }

  /**
   * Peers the mesh knows live now (the metadata server's list): a holder remembered under the same name and id at
   * another address has moved (docs/SECURITY.md "Identities": a peer keeps its id from any address), so its
   * sightings follow it there and nothing dials the old address again.
   */
  follow(live: PeerRef[]): void {
    const byId = new Map(live.map((p) => [p.id, p]));
    let moved = false;
    for (const entry of this.entries.values()) {
      for (const holder of entry.holders) {
        const now = byId.get(holder.ref.id);
        if (!now || now.name !== holder.ref.name) continue;
        if (now.host === holder.ref.host && now.port === holder.ref.port) continue;
        holder.ref = { name: now.name, id: now.id, host: now.host, port: now.port };
        moved = true;
      }
    }
    if (moved) this.scheduleSave();
  }

  /** Sightings for a name: exact matches, else paths whose base name, else whose stem it is; most holders first. */
  lookup(query: string): Sighting[] {
    const all = [...this.entries.values()].filter((e) => e.holders.length > 0);
    const names = new Set(
      bestMatches(
        query,
        all.map((e) => e.name),
      ),
    );
    return all.filter((e) => names.has(e.name)).sort((a, b) => b.holders.length - a.holders.length);
  }

  all(): Sighting[] {
    return [...this.entries.values()].filter((e) => e.holders.length > 0).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Writes pending changes now (the peer is stopping). */
  flush(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    this.save();
  }

  private scheduleSave(): void {
    this.saveTimer ??= setTimeout(() => {
      this.saveTimer = undefined;
      this.save();
    }, 500).unref();
  }

  private save(): void {
    try {
      writeFileSync(`${this.file}.tmp`, JSON.stringify([...this.entries.values()]));
      renameSync(`${this.file}.tmp`, this.file);
    } catch {
      // The address book is a cache: losing a write costs a flood later, nothing more.
    }
  }

  private load(): void {
    try {
      const raw = JSON.parse(readFileSync(this.file, 'utf8')) as Sighting[];
      for (const e of raw) {
        if (typeof e?.name === 'string' && /^[0-9a-f]{64}$/.test(e.sha256) && Array.isArray(e.holders))
          this.entries.set(`${e.name}\0${e.sha256}`, e);
      }
    } catch {
      // none yet, or damaged: start empty
    }
  }
}
