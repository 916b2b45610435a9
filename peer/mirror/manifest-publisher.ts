import { EventEmitter } from 'eventemitter3';
import { statSync } from 'node:fs';
import type { FileCatalog } from '../files/file-catalog.js';
import { pathProblem } from '../files/relative-path.js';
import { DEFAULT_SETTLE_MS } from '../files/settle-watch.js';
import type { PeerContext } from '../peer-context.js';
import type { CurrentFile, OwnerManifest } from './owner-manifest.js';

export interface ManifestPublisherOptions {
  /** Changes of the catalog within this long are taken together. Default 30 ms. */
  debounceMs?: number;
}

/**
 * Keeps this peer's published tree (owner-manifest.ts) in step with its `shared/` folder, as the file catalog sees it
 * (peer/files/file-catalog.ts): only settled files are listed there, so a half-written file is never published; a
 * file being written again keeps its old entry until it settles. Each file's SHA-256 comes from the catalog's digest
 * cache (`version`), hashed only when its size, mtime or inode changed. `changed` says the new version, which the
 * owner pushes to connected mirrors (mirror-serve.ts).
 */
export class ManifestPublisher extends EventEmitter<{ changed: (seq: number) => void }> {
  private timer: NodeJS.Timeout | undefined;
  private settleTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly debounceMs: number;

  constructor(
    private readonly ctx: PeerContext,
    private readonly catalog: FileCatalog,
    readonly manifest: OwnerManifest,
    options: ManifestPublisherOptions = {},
  ) {
    super();
    this.debounceMs = options.debounceMs ?? 30;
    catalog.on('files', () => this.schedule());
  }

  /** Looks at the catalog again soon (several calls in a row make one update). */
  schedule(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.update();
    }, this.debounceMs);
  }

  /** Resolves once the tree as listed now is published (tests, the bench). */
  async settled(): Promise<void> {
    while (this.running || this.timer) await (this.running ?? new Promise((r) => setTimeout(r, this.debounceMs)));
  }

  stop(): void {
    this.stopped = true;
    this.manifest.flush();
    clearTimeout(this.timer);
    clearTimeout(this.settleTimer);
    this.timer = undefined;
  }

  /**
   * A file still being written is listed once it has been unchanged for the settle period (settle-watch.ts): the
   * catalog is looked at again right then, not at its next periodic refresh, so mirrors hear of it without delay.
   */
  private lookWhenSettled(paths: string[]): void {
    clearTimeout(this.settleTimer);
    let first = Infinity;
    for (const path of paths) {
      try {
        first = Math.min(first, statSync(path).mtimeMs);
      } catch {
        // gone
      }
    }
    if (first === Infinity || this.stopped) return;
    const wait = Math.max(0, first + DEFAULT_SETTLE_MS + 10 - Date.now());
    this.settleTimer = setTimeout(() => this.schedule(), wait);
    this.settleTimer.unref();
  }

  private update(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.publish()
      .catch((err: unknown) => this.ctx.log(`mirror: publishing shared/ failed: ${String(err)}`, 'warn'))
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          this.schedule();
        }
      });
    return this.running;
  }

  private async publish(): Promise<void> {
    const listing = this.catalog.refresh();
    const settling = listing.settling.filter((f) => f.relative.startsWith('shared/'));
    this.lookWhenSettled(settling.map((f) => f.path));
    const keep = new Set(settling.map((f) => f.name));
    const current: CurrentFile[] = [];
    for (const file of listing.shared) {
      if (this.stopped) return;
      if (pathProblem(file.name)) continue;
      try {
        const st = statSync(file.path);
        const known = this.manifest.unchanged(file.name, st.size, Math.round(st.mtimeMs), st.ino);
        if (known) {
          current.push({
            path: file.name,
            size: known.size,
            sha256: known.sha256,
            mtimeMs: known.mtimeMs,
            ino: known.ino,
          });
          continue;
        }
        const { manifest, stamp } = await this.catalog.version(file);
        current.push({
          path: file.name,
          size: manifest.size,
          sha256: manifest.sha256,
          mtimeMs: stamp.mtimeMs,
          ino: stamp.ino,
        });
      } catch {
        // Changed or gone while hashed: kept as it was until the catalog lists it settled again.
        keep.add(file.name);
      }
    }
    if (this.stopped || !this.manifest.apply(current, keep)) return;
    this.manifest.saveSoon();
    this.emit('changed', this.manifest.seq);
  }
}
