import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LogLine } from './feeders/log-feeder.js';

/**
 * Appends the dashboard's log lines to a file in the peer's folder (logs go "to a file in the peer's
 * folder"). Lines are batched by the render tick and written with one synchronous append, so the file is
 * complete when the process exits right after `stopped` and a busy mesh costs one write per tick, not per line.
 */
export class LogFileWriter {
  private failed = false;
  private folderReady = false;

  constructor(private readonly path: string) {}

  /**
   * Appends `lines`. Returns an error message the first time writing fails (the dashboard shows it once); later
   * calls do nothing, since a full disk or a missing folder will not fix itself between ticks.
   */
  write(lines: readonly LogLine[]): string | null {
    if (this.failed || lines.length === 0) return null;
    const text = lines.map((l) => `${new Date(l.t).toISOString()} ${l.level.padEnd(5)} ${l.text}\n`).join('');
    try {
      if (!this.folderReady) mkdirSync(dirname(this.path), { recursive: true });
      this.folderReady = true;
      appendFileSync(this.path, text);
      return null;
    } catch (err) {
      this.failed = true;
      return `cannot write the log file ${this.path}: ${(err as Error).message}`;
    }
  }
}
