import { MAX_INDEX_NAME_BYTES, MAX_INDEXED_FILES, type IndexedFile } from '../common/wire/server-messages.js';

/**
 * Each peer's file list (its last `index` message), stored in the registry's SharedArrayBuffer so that whichever
 * worker answers a `files-request` sees what every other worker wrote. One fixed-size region per slot, read and
 * written only under the registry lock (shared-registry.ts owns the lock and places this region in the buffer).
 *
 * Region of one slot:
 *   Int32 [USED_BYTES, FILE_COUNT]   then FILE_COUNT entries, packed, little-endian:
 *   float64 size | 32 bytes sha256 (raw) | uint16 name length in bytes | name (UTF-8)
 * A binary encoding rather than JSON: an entry's size is bounded by its name's UTF-8 length alone (JSON would
 * escape control characters up to six bytes each), and it is half the size of the hex-and-quotes JSON.
 */

/** Bytes of the region header: used bytes and file count, two int32. */
export const INDEX_HEADER_BYTES = 8;
/** Bytes of an entry besides its name: size (float64, exact for every safe integer), sha256 (32), name length (2). */
export const INDEX_ENTRY_FIXED_BYTES = 8 + 32 + 2;
/**
 * The name length the default is sized for, on average: 255 bytes. Names are relative paths of up to 1024 characters
 * on the wire, but a peer keeps its whole list within MAX_INDEX_NAME_BYTES (peer/files/index-publisher.ts).
 */
const SIZED_NAME_BYTES = MAX_INDEX_NAME_BYTES / MAX_INDEXED_FILES;

/**
 * Default bytes per peer: a full index of MAX_INDEXED_FILES (2000) files with 255-byte names,
 * 8 + 2000 × (42 + 255) = 594 008 bytes (580 KiB; 5.7 MiB for the default 10 peers, 145 MiB for 256). Pages never
 * written are never touched, so small indexes cost little real memory. Names with many non-ASCII characters take
 * up to three bytes per character; an index that does not fit is refused, never truncated.
 */
export const DEFAULT_INDEX_BYTES_PER_PEER =
  INDEX_HEADER_BYTES + MAX_INDEXED_FILES * (INDEX_ENTRY_FIXED_BYTES + SIZED_NAME_BYTES);

/** Largest region accepted per peer (a sanity bound on the option, far above the default). */
export const MAX_INDEX_BYTES_PER_PEER = 64 * 1024 * 1024;

const R_USED = 0;
const R_COUNT = 1;

/** A lone UTF-16 surrogate cannot be encoded as UTF-8 (it would come back as U+FFFD, a different name). */
const LONE_SURROGATE = /\p{Cs}/u;

export type IndexWrite = { ok: true; bytes: number } | { ok: false; reason: string };

export class IndexRegion {
  private readonly bytes: Uint8Array;
  private readonly ints: Int32Array;

  /** Bytes a region for `slots` peers of `bytesPerSlot` each takes in the buffer. */
  static size(slots: number, bytesPerSlot: number): number {
    return slots * bytesPerSlot;
  }

  /** Checks the per-peer size option; a multiple of 8 keeps every slot's header aligned. */
  static validBytesPerSlot(n: number): boolean {
    return Number.isInteger(n) && n >= INDEX_HEADER_BYTES && n <= MAX_INDEX_BYTES_PER_PEER && n % 8 === 0;
  }

  constructor(
    buffer: SharedArrayBuffer,
    byteOffset: number,
    private readonly slots: number,
    readonly bytesPerSlot: number,
  ) {
    this.bytes = new Uint8Array(buffer, byteOffset, slots * bytesPerSlot);
    this.ints = new Int32Array(buffer, byteOffset, (slots * bytesPerSlot) / 4);
  }

  /** Replaces the slot's file list, or leaves it untouched and says why it cannot be stored. Hold the lock. */
  write(slot: number, files: readonly IndexedFile[]): IndexWrite {
    const capacity = this.bytesPerSlot - INDEX_HEADER_BYTES;
    const bad = files.find((f) => LONE_SURROGATE.test(f.name));
    if (bad)
      return {
        ok: false,
        reason: `the file name "${bad.name.slice(0, 60)}" is not valid Unicode (a lone surrogate): rename it`,
      };
    const needed = encodedIndexBytes(files);
    if (needed > capacity) {
      return {
        ok: false,
        reason:
          `an index of ${files.length} files takes ${needed} bytes but the metadata server keeps at most ${capacity} ` +
          `per peer: share fewer files or shorter names`,
      };
    }
    const base = this.base(slot);
    this.bytes.set(encodeIndex(files), base + INDEX_HEADER_BYTES);
    this.ints[base / 4 + R_USED] = needed;
    this.ints[base / 4 + R_COUNT] = files.length;
    return { ok: true, bytes: needed };
  }

  /** Number of files the slot listed. Hold the lock. */
  count(slot: number): number {
    return this.ints[this.base(slot) / 4 + R_COUNT]!;
  }

  /** A private copy of the slot's encoded list (decode it with `decodeIndex` after releasing the lock). */
  copy(slot: number): Uint8Array {
    const base = this.base(slot);
    const used = this.ints[base / 4 + R_USED]!;
    return this.bytes.slice(base + INDEX_HEADER_BYTES, base + INDEX_HEADER_BYTES + used);
  }

  /** Forgets the slot's files. Only the header is reset: bytes past USED_BYTES are never read. Hold the lock. */
  clear(slot: number): void {
    const base = this.base(slot);
    this.ints[base / 4 + R_USED] = 0;
    this.ints[base / 4 + R_COUNT] = 0;
  }

  private base(slot: number): number {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.slots) throw new RangeError(`no slot ${slot}`);
    return slot * this.bytesPerSlot;
  }
}

/** Bytes `files` take once encoded (without the region header). */
export function encodedIndexBytes(files: readonly IndexedFile[]): number {
  let n = 0;
  for (const f of files) n += INDEX_ENTRY_FIXED_BYTES + Buffer.byteLength(f.name, 'utf8');
  return n;
}

/** Encodes a file list (names must be well-formed UTF-16; sha256 64 lower-case hex digits, as the wire checks). */
export function encodeIndex(files: readonly IndexedFile[]): Buffer {
  const out = Buffer.allocUnsafe(encodedIndexBytes(files));
  let at = 0;
  for (const f of files) {
    at = out.writeDoubleLE(f.size, at);
    at += out.write(f.sha256, at, 32, 'hex');
    const nameBytes = out.write(f.name, at + 2, 'utf8');
    at = out.writeUInt16LE(nameBytes, at) + nameBytes;
  }
  return out;
}

/** Decodes what `encodeIndex` wrote. */
export function decodeIndex(bytes: Uint8Array): IndexedFile[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const files: IndexedFile[] = [];
  let at = 0;
  while (at < buf.length) {
    const size = buf.readDoubleLE(at);
    const sha256 = buf.toString('hex', at + 8, at + 40);
    const nameBytes = buf.readUInt16LE(at + 40);
    at += INDEX_ENTRY_FIXED_BYTES;
    files.push({ name: buf.toString('utf8', at, at + nameBytes), size, sha256 });
    at += nameBytes;
  }
  return files;
}
