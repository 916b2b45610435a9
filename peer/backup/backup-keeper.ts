import type { IndexEntry } from '../../common/wire/server-messages.js';
import type { PeerContext } from '../peer-context.js';
import { fetchInto, type FetchDeps } from '../custody/fetch-into.js';
import { pathProblem } from '../files/relative-path.js';
import type { BackupStore } from './backup-store.js';
import { BACKUP_BYTES_PER_SECOND, pacer } from './pacer.js';

export interface BackupDeps extends FetchDeps {
  /** The metadata server's whole index, or undefined when it cannot answer. */
  index(): Promise<IndexEntry[] | undefined>;
  /** The backup changed: the index and listings follow. */
  changed(): void;
}

/** How often the index is read for contents not kept yet. */
const LOOK_EVERY_MS = 1000;

/**
 * The backup peer's loop (docs/PROTOCOL.md "Backup peer"): it reads the metadata server's index every second and
 * fetches, one at a time, each content it does not keep yet, verified, from a holder that has it; a content it
 * already keeps under another name only gains the name. One transfer at a time, one piece in flight, and at most
 * BACKUP_BYTES_PER_SECOND: it takes a bounded share of the LAN. After a restart or a `kill -9` it resumes a file it was fetching from its verified
 * pieces (fetch-into.ts) and never fetches again what it verified. `backup-synced` says where it stands.
 */
export class BackupKeeper {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private said = '';
  /** Its share of the LAN: one rate for all its catching up (peer/backup/pacer.ts). */
  private readonly pace = pacer(BACKUP_BYTES_PER_SECOND);

  constructor(
    private readonly ctx: PeerContext,
    private readonly store: BackupStore,
    private readonly deps: BackupDeps,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.round(), LOOK_EVERY_MS);
    this.timer.unref();
    void this.round();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async round(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const index = await this.deps.index();
      if (!index || !this.timer) return;
      const self = this.deps.self().name;
      const wanted = index.filter((e) => !pathProblem(e.name) && e.holders.some((h) => h.name !== self));
      for (const entry of wanted) {
        if (!this.timer) return;
        if (this.store.has(entry.sha256)) {
          if (!this.store.lookup(entry.name).length) this.store.add(entry);
          continue;
        }
        const holder = entry.holders.find((h) => h.name !== self)!;
        const got = await fetchInto(this.deps, holder, entry, this.store.dirOf(entry.sha256), undefined, this.pace);
        if (got.ok) {
          this.store.add(entry, got.name);
          this.deps.changed();
        } else
          this.ctx.log(`backup of ${entry.name} from ${holder.name} failed: ${got.reason}; tried again later`, 'warn');
      }
      this.report(wanted);
    } finally {
      this.busy = false;
    }
  }

  private report(wanted: IndexEntry[]): void {
    const missing = new Set(wanted.filter((e) => !this.store.has(e.sha256)).map((e) => e.sha256)).size;
    const { files, bytes } = this.store.totals();
    const key = `${files}/${bytes}/${missing}`;
    if (key === this.said) return;
    this.said = key;
    this.ctx.emit({ event: 'backup-synced', files, bytes, missing });
  }
}
