import { MAX_MIRROR_GETS, type MirrorEntry } from '../../common/wire/mirror-messages.js';
import { peerMessages } from '../../common/wire/peer-messages.js';
import { IN_MEMORY_BYTES } from './incoming-file.js';

/** Most bytes of paths one `mirror-gets` carries (its frame stays far below the owner's 1 MiB frame limit). */
const MAX_GETS_PATH_BYTES = 128 * 1024;

/**
 * The requests a mirror sends in one write (owner-sync.ts `pump`), in the order they are numbered: files held in
 * memory once whole (up to IN_MEMORY_BYTES, asked from their first byte) go together in `mirror-gets` messages of
 * consecutive numbers, so the owner may answer them with `mirror-batch` frames; any other is a `mirror-get`
 * (docs/PROTOCOL.md "Mirror").
 */
export class MirrorRequests {
  private readonly frames: Buffer[] = [];
  private gets: { path: string; sha256: string }[] = [];
  private getsFrom = 0;
  private getsBytes = 0;

  /** Request `n` for `entry` from byte `offset`. */
  add(n: number, entry: MirrorEntry, offset: number): void {
    if (entry.size > IN_MEMORY_BYTES || offset > 0) {
      this.flushGets();
      this.frames.push(peerMessages.encode('mirror-get', { n, path: entry.path, sha256: entry.sha256, offset }));
      return;
    }
    // A list holds consecutive numbers only (the numbers wrap after 2^32 - 1).
    if (this.gets.length && (n !== this.getsFrom + this.gets.length || this.full(entry.path))) this.flushGets();
    if (!this.gets.length) this.getsFrom = n;
    this.gets.push({ path: entry.path, sha256: entry.sha256 });
    this.getsBytes += entry.path.length;
  }

  /** Everything added since the last call, framed, in one buffer (empty when nothing was). */
  take(): Buffer {
    this.flushGets();
    const out = this.frames.length === 1 ? this.frames[0]! : Buffer.concat(this.frames);
    this.frames.length = 0;
    return out;
  }

  private full(path: string): boolean {
    return this.gets.length >= MAX_MIRROR_GETS || this.getsBytes + path.length > MAX_GETS_PATH_BYTES;
  }

  private flushGets(): void {
    if (!this.gets.length) return;
    this.frames.push(peerMessages.encode('mirror-gets', { n: this.getsFrom, files: this.gets }));
    this.gets = [];
    this.getsBytes = 0;
  }
}
