import type { PeerEvent } from '../../peer/control/peer-events.js';
import type { Feeder } from './feeder.js';

export interface NamesView {
  /** File names Tab may complete to, by name. */
  names: string[];
}

export interface NamesFeederOptions {
  /** Names remembered at most; the least recently seen go first. Default 1 000. */
  maxNames?: number;
}

/**
 * Collects the file names this peer has seen offered, for Tab completion on the command line: its own listing
 * (`files`), files a holder answered with or that it sent (`download-*`, `upload-started`), files it answered a
 * query for, the answers to `list`, `find` and `where`, and names suggested at start (the demo's welcome files).
 * It has no panel, so it never makes the screen dirty.
 */
export class NamesFeeder implements Feeder<NamesView> {
  private readonly maxNames: number;
  /** Insertion order is recency: a name seen again moves to the end. */
  private readonly names = new Set<string>();

  constructor(options: NamesFeederOptions = {}) {
    this.maxNames = options.maxNames ?? 1_000;
  }

  /** Adds names that did not come from an event. */
  add(names: Iterable<string>): void {
    for (const n of names) this.remember(n);
  }

  apply(event: PeerEvent): boolean {
    switch (event.event) {
      case 'files':
        for (const f of event.shared) this.remember(f.name);
        for (const f of event.downloads) this.remember(f.name);
        break;
      case 'download-started':
      case 'download-complete':
      case 'upload-started':
        this.remember(event.file);
        break;
      case 'list':
      case 'find-results':
        for (const f of event.files) this.remember(f.name);
        break;
      case 'where':
        this.remember(event.file);
        break;
      case 'query-seen':
        if (event.action === 'answered') this.remember(event.file);
        break;
      default:
        break;
    }
    return false;
  }

  /** The live set, for the command line to read at each Tab press without copying. */
  all(): Iterable<string> {
    return this.names;
  }

  view(): NamesView {
    return { names: [...this.names].sort((a, b) => a.localeCompare(b)) };
  }

  private remember(name: string): void {
    const trimmed = name.trim();
    if (trimmed === '') return;
    this.names.delete(trimmed);
    this.names.add(trimmed);
    if (this.names.size > this.maxNames) this.names.delete(this.names.values().next().value!);
  }
}
