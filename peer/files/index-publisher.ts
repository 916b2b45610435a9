import { describeError } from '../../common/errors.js';
import { MAX_INDEX_NAME_BYTES, MAX_INDEXED_FILES, type IndexedFile } from '../../common/wire/server-messages.js';
import type { PeerContext } from '../peer-context.js';
import type { FileCatalog } from './file-catalog.js';

export interface IndexPublisherOptions {
  /** Quiet time after a change before the index is sent (changes come in bursts). Default 200 ms. */
  debounceMs?: number;
  /** Files held for others, listed too (custody copies, peer/custody/custody-store.ts). Default none. */
  more?: () => IndexedFile[];
}

/**
 * Tells the metadata server what this peer holds, once every held file is hashed, debounced after each change of
 * the folders. The server refuses (and drops the peer for) an index over its limit, so at most MAX_INDEXED_FILES
 * files are sent and the rest are said to be found by flooding.
 */
export class IndexPublisher {
  private timer: NodeJS.Timeout | undefined;
  /** The publish under way: one at a time, so answers never pile up and get said together. */
  private running: Promise<void> | undefined;
  private again = false;
  /** What the last "hashes ready" line said, and of which files: said again only when that changes. */
  private said = '';

  constructor(
    private readonly ctx: PeerContext,
    private readonly catalog: FileCatalog,
    /** Sends the list to the metadata server; false when it cannot now (it is sent on the next registration). */
    private readonly send: (files: IndexedFile[]) => boolean,
    private readonly options: IndexPublisherOptions = {},
  ) {}

  schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), this.options.debounceMs ?? 200);
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** Publishes now, or once the publish under way is done (a change came in meanwhile). */
  private run(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.publish()
      .catch((err: unknown) => this.ctx.log(`the held files could not be listed: ${describeError(err)}`, 'warn'))
      .finally(() => {
        this.running = undefined;
        if (!this.again) return;
        this.again = false;
        this.run();
      });
  }

  private async publish(): Promise<void> {
    const files = await this.catalog.warm();
    const own = files.map((f) => ({ name: f.name, size: f.size, sha256: f.sha256 }));
    const more = (this.options.more?.() ?? []).filter(
      (m) => !own.some((f) => f.name === m.name && f.sha256 === m.sha256),
    );
    const listed = fitIndex([...own, ...more]);
    const told = this.send(listed);
    // Said once all held files are hashed: a file still being written is offered (and this said) once it settles.
    if (this.catalog.refresh().settling.length > 0) return;
    const key = JSON.stringify([listed, told]);
    if (key === this.said) return;
    this.said = key;
    const n = files.length;
    this.ctx.log(
      `hashes ready for ${n} held file${n === 1 ? '' : 's'}; ${
        told
          ? "the metadata server's index is told"
          : 'the metadata server cannot be reached: its index will be told once this peer is registered again'
      }`,
    );
    if (files.length > listed.length) {
      this.ctx.log(
        `only the first ${listed.length} of ${files.length} files are in the mesh's index; the rest are found by flooding`,
        'warn',
      );
    }
  }
}

/** The longest head of `files` the index takes: MAX_INDEXED_FILES files, MAX_INDEX_NAME_BYTES bytes of names. */
export function fitIndex(files: IndexedFile[]): IndexedFile[] {
  let bytes = 0;
  for (let i = 0; i < files.length && i < MAX_INDEXED_FILES; i++) {
    bytes += Buffer.byteLength(files[i]!.name);
    if (bytes > MAX_INDEX_NAME_BYTES) return files.slice(0, i);
  }
  return files.slice(0, MAX_INDEXED_FILES);
}
