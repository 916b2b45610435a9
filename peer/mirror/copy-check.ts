import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import type { MirrorBook } from './mirror-book.js';
import { MirrorWriter } from './mirror-writer.js';

/** Copies looked at between two turns of the event loop. */
const CHECK_SLICE = 4096;
/** How often the copies are looked at while an owner is connected. */
export const CHECK_EVERY_MS = 60_000;

/**
 * A receive-only copy stays the owner's (docs/CONTRACT.md "Mirror, discovery and bandwidth"): on connect and then
 * every CHECK_EVERY_MS, each copy the book records is looked at (lstat, CHECK_SLICE per turn of the event loop);
 * the paths whose copy is gone or no longer as written (mirror-writer.ts `same`) are handed to `found`, which fetches
 * them again (an edited copy is then kept aside as a conflict by the writer).
 */
export class CopyCheck {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly book: MirrorBook,
    /** `Mirror/OWNER/`. */
    private readonly root: string,
    private readonly found: (paths: string[]) => void,
    private readonly everyMs = CHECK_EVERY_MS,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.run(), this.everyMs);
    void this.run();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const paths: string[] = [];
      let n = 0;
      for (const [path, written] of this.book.written) {
        const st = lstatSync(join(this.root, path), { throwIfNoEntry: false });
        if (!st || !MirrorWriter.same(st, written)) paths.push(path);
        if (++n % CHECK_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
        if (!this.timer) return;
      }
      if (paths.length) this.found(paths);
    } catch {
      // A folder that cannot be read now: looked at again next time.
    } finally {
      this.running = false;
    }
  }
}
