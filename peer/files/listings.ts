import type { IndexEntry } from '../../common/wire/server-messages.js';
import type { AddressBook } from './address-book.js';
import type { FileCatalog } from './file-catalog.js';
import type { KnownHolder, PeerEventBody } from '../control/peer-events.js';

/** What the listing commands need of the peer. */
export interface ListingSources {
  /** The metadata server's index; undefined when it cannot answer. */
  index(mode: 'all' | 'substring' | 'name', pattern: string): Promise<IndexEntry[] | undefined>;
  book: AddressBook;
  catalog: FileCatalog;
}

/**
 * The listing commands: `list`, `find`, `files`/`seeding`, `where`/`address-book`.
 * The mesh-wide ones ask the metadata server's index and fall back to this peer's address book when it cannot answer
 * (saying so), so they keep working, with less knowledge, without the server.
 */
export class Listings {
  constructor(private readonly from: ListingSources) {}

  async list(): Promise<PeerEventBody[]> {
    const entries = await this.from.index('all', '');
    if (entries)
      return [
        {
          event: 'list',
          files: entries.map((e) => ({ name: e.name, size: e.size, sha256: e.sha256, holders: e.holders.length })),
        },
      ];
    return [
      this.unreachable('list'),
      {
        event: 'list',
        files: this.from.book
          .all()
          .map((s) => ({ name: s.name, size: s.size, sha256: s.sha256, holders: s.holders.length })),
        source: 'address-book',
      },
    ];
  }

  async find(pattern: string): Promise<PeerEventBody[]> {
    const entries = await this.from.index('substring', pattern);
    if (entries)
      return [
        {
          event: 'find-results',
          pattern,
          files: entries.map((e) => ({
            name: e.name,
            size: e.size,
            sha256: e.sha256,
            holders: e.holders.map((h) => h.name),
          })),
        },
      ];
    // Case-insensitive, and `é` composed or not (file-name.ts sameName).
    const needle = pattern.normalize('NFC').toLowerCase();
    const files = this.from.book
      .all()
      .filter((s) => s.name.normalize('NFC').toLowerCase().includes(needle))
      .map((s) => ({ name: s.name, size: s.size, sha256: s.sha256, holders: s.holders.map((h) => h.ref.name) }));
    return [this.unreachable('find'), { event: 'find-results', pattern, files, source: 'address-book' }];
  }

  files(): PeerEventBody[] {
    const { shared, downloads, settling } = this.from.catalog.refresh();
    const entry = (f: { name: string; size: number }) => ({ name: f.name, size: f.size });
    return [
      { event: 'files', shared: shared.map(entry), downloads: downloads.map(entry), settling: settling.map(entry) },
    ];
  }

  /** Holders known for a file: the index's live holders, then sightings in the address book. */
  async where(file: string): Promise<PeerEventBody[]> {
    const holders: KnownHolder[] = [];
    for (const e of (await this.from.index('name', file)) ?? []) {
      for (const h of e.holders)
        holders.push({ name: h.name, host: h.host, port: h.port, sha256: e.sha256, size: e.size, source: 'index' });
    }
    for (const s of this.from.book.lookup(file)) {
      for (const h of s.holders) {
        if (!holders.some((k) => k.name === h.ref.name && k.sha256 === s.sha256)) {
          holders.push({
            name: h.ref.name,
            host: h.ref.host,
            port: h.ref.port,
            sha256: s.sha256,
            size: s.size,
            source: 'address-book',
            seen: h.seen,
          });
        }
      }
    }
    return [{ event: 'where', file, holders }];
  }

  private unreachable(what: string): PeerEventBody {
    return {
      event: 'log',
      level: 'warn',
      message: `the metadata server cannot be asked; ${what} shows only what this peer's address book knows`,
    };
  }
}
