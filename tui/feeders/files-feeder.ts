import type { FileEntry, PeerEvent } from '../../peer/control/peer-events.js';
import type { Feeder } from './feeder.js';

export interface FilesView {
  /** What this peer offers (`shared/`), by path relative to it (`docs/report.pdf`). */
  shared: FileEntry[];
  /** What it fetched (`Downloads/`), by name. */
  downloads: FileEntry[];
  sharedBytes: number;
  downloadsBytes: number;
  /** Names that just arrived in Downloads/ (highlighted until the next `files` event without news). */
  fresh: string[];
  /** Files still being written (or changed): offered once they have stood still for the settle period. */
  settling: FileEntry[];
  /** Files kept for peers that left (custody): not this peer's own shares. */
  custody?: { owner: string; file: string; bytes: number }[];
}

/** Feeds this peer's files panel from `files` events (each one is the full listing). */
export class FilesFeeder implements Feeder<FilesView> {
  private shared: FileEntry[] = [];
  private downloads: FileEntry[] = [];
  private fresh: string[] = [];
  private settling: FileEntry[] = [];
  private custody: NonNullable<FilesView['custody']> = [];
  private signature = '';

  apply(event: PeerEvent): boolean {
    if (event.event === 'download-complete') {
      // Shows the arrival at once; the core's next `files` listing confirms it with the real size.
      if (!this.downloads.some((f) => f.name === event.file)) {
        this.downloads = sortByName([...this.downloads, { name: event.file, size: event.bytes }]);
      }
      this.fresh = [event.file];
      return true;
    }
    if (event.event !== 'files') return false;
    const signature = JSON.stringify([event.shared, event.downloads, event.settling ?? [], event.custody ?? []]);
    if (signature === this.signature) return false;
    this.signature = signature;
    const known = new Set(this.downloads.map((f) => f.name));
    const arrived = event.downloads.map((f) => f.name).filter((n) => !known.has(n));
    if (arrived.length > 0) this.fresh = arrived;
    this.shared = sortByName(event.shared);
    this.downloads = sortByName(event.downloads);
    this.settling = sortByName(event.settling ?? []);
    this.custody = (event.custody ?? []).map(({ owner, file, bytes }) => ({ owner, file, bytes }));
    return true;
  }

  view(): FilesView {
    return {
      shared: this.shared.map((f) => ({ ...f })),
      downloads: this.downloads.map((f) => ({ ...f })),
      sharedBytes: this.shared.reduce((sum, f) => sum + f.size, 0),
      downloadsBytes: this.downloads.reduce((sum, f) => sum + f.size, 0),
      fresh: [...this.fresh],
      settling: this.settling.map((f) => ({ ...f })),
      custody: this.custody.map((c) => ({ ...c })),
    };
  }
}

function sortByName(files: readonly FileEntry[]): FileEntry[] {
  return [...files].sort((a, b) => a.name.localeCompare(b.name));
}
