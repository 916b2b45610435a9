import { MAX_INDEXED_FILES, type IndexedFile } from '../../common/wire/server-messages.js';
import type { PeerContext } from '../peer-context.js';
import type { FileCatalog } from './file-catalog.js';

export interface IndexPublisherOptions {
  /** Quiet time after a change before the index is sent (changes come in bursts). Default 200 ms. */
  debounceMs?: number;
}

/**
 * Tells the metadata server what this peer holds, once every held file is hashed, debounced after each change of
 * the folders. The server refuses (and drops the peer for) an index over its limit, so at most MAX_INDEXED_FILES
 * files are sent and the rest are said to be found by flooding.
 */
export class IndexPublisher {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: PeerContext,
    private readonly catalog: FileCatalog,
    /** Sends the list to the metadata server; false when it cannot now (it is sent on the next registration). */
    private readonly send: (files: IndexedFile[]) => boolean,
    private readonly options: IndexPublisherOptions = {},
  ) {}

  schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.publish(), this.options.debounceMs ?? 200);
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private async publish(): Promise<void> {
    const files = await this.catalog.warm();
    const listed = files.slice(0, MAX_INDEXED_FILES).map((f) => ({ name: f.name, size: f.size, sha256: f.sha256 }));
    const told = this.send(listed);
    this.ctx.log(
      `hashes ready for ${files.length} held files; ${
        told
          ? "the metadata server's index is told"
          : 'the metadata server cannot be reached: its index will be told once this peer is registered again'
      }`,
    );
    if (files.length > listed.length) {
      this.ctx.log(
        `only the first ${MAX_INDEXED_FILES} of ${files.length} files are in the mesh's index; the rest are found by flooding`,
        'warn',
      );
    }
  }
}
