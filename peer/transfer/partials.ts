import { formatByteShare } from '../../common/byte-size.js';
import { bestMatches } from '../files/relative-path.js';
import { manifestPieceLength, manifestPieces } from '../content/manifest.js';
import type { PartialFiles, PartialRecord } from '../content/partial-file.js';
import { caused, type PartialEntry, type PeerEventReport } from '../control/peer-events.js';
import type { Downloads } from './downloads.js';

/**
 * The downloads kept unfinished (docs/CONTRACT.md "Peer commands"): `partials` lists them with what they hold, and
 * `cancel FILE [--discard]` stops a running download (keeping its verified pieces, or deleting them) or forgets a
 * kept one that is not running.
 */
export class PartialDownloads {
  constructor(
    private readonly partials: PartialFiles,
    private readonly downloads: Downloads,
  ) {}

  /** Every kept partial download, most recently active first. */
  list(): PartialEntry[] {
    const running = this.downloads.running();
    return this.partials
      .all()
      .map((r): PartialEntry => {
        const { size: bytes, sha256 } = r.manifest;
        const have = heldBytes(r);
        return {
          file: r.file,
          ...(r.download !== undefined ? { download: r.download } : {}),
          sha256,
          bytes,
          have,
          percent: bytes === 0 ? 100 : Math.floor((have / bytes) * 100),
          modified: this.partials.modified(sha256),
          running: running.has(sha256),
        };
      })
      .sort((a, b) => b.modified - a.modified);
  }

  /**
   * `cancel FILE [--discard]` typed as command line `cmd`: the events that answer it (a running download answers
   * through its own `download-cancelled`, emitted by Downloads).
   */
  async cancel(file: string, discard: boolean, cmd: number): Promise<PeerEventReport[]> {
    const running = await this.downloads.cancel(file, discard, cmd);
    if (running === 'finishing')
      return [error(`${file} is complete and being verified: too late to cancel (delete the file once it is saved)`)];
    if (running === 'cancelling')
      return [error(`${file} is already being cancelled: its download-cancelled event says what is kept`)];
    if (running) return [];
    const kept = this.kept(file);
    if (!kept)
      return [error(`${file} is not being downloaded and no partial download of it is kept (partials lists them)`)];
    const { sha256, size } = kept.manifest;
    if (!discard) {
      const held = formatByteShare(heldBytes(kept), size);
      return [
        error(
          `${kept.file} is not being downloaded; ${held} are kept: type its name to resume, or cancel ${kept.file} --discard to delete them`,
        ),
      ];
    }
    this.partials.remove(sha256);
    const download = kept.download ?? sha256.slice(0, 21);
    const body = { event: 'download-cancelled', download, file: kept.file, kept: 0, discarded: true, by: cmd } as const;
    return [caused(body, cmd)];

    function error(message: string): PeerEventReport {
      return caused({ event: 'error', message }, cmd);
    }
  }

  /** The kept partial download a name refers to: its exact path, else the one whose base name or stem it is. */
  private kept(name: string): PartialRecord | undefined {
    const all = this.partials.all().filter((r) => !this.partials.isOpen(r.manifest.sha256));
    const found = bestMatches(
      name,
      all.map((r) => r.file),
    );
    return found.length === 1 ? all.find((r) => r.file === found[0]) : undefined;
  }
}

/** Verified bytes a record holds. */
function heldBytes(record: PartialRecord): number {
  let bytes = 0;
  for (let i = 0; i < manifestPieces(record.manifest); i++)
    if (record.have.has(i)) bytes += manifestPieceLength(record.manifest, i);
  return bytes;
}
