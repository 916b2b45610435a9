import { openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileNameProblem } from '../files/file-name.js';
import { DIGEST_BYTES, pieceCount, pieceSizeFor } from './piece-plan.js';

/** What a download needs to resume: the content's description and which pieces are already held and checked. */
export interface PartialRecord {
  file: string;
  size: number;
  sha256: string;
  pieceSize: number;
  /** Packed SHA-256 of every piece. */
  pieces: Buffer;
  /** Packed prefix digests. */
  prefixes: Buffer;
  /** Bitfield of held, verified pieces (bit i of byte i >> 3). */
  have: Uint8Array;
  /** The download's id in events, so a resume after a restart keeps it (absent in records of older versions). */
  download?: string;
}

/**
 * The on-disk record of a download in flight, beside its data (`.p2p/partial/<sha256>.part`): `<sha256>.json`
 * describes the content (written once, atomically: write then rename) and `<sha256>.have` is the bitfield of held
 * pieces, rewritten in place after every verified piece (one small write: a SIGKILL loses no verified piece). Keyed
 * by content, so asking for the same file again (or restarting the peer) resumes it. A held bit is only ever set
 * after its piece was written, so the record never claims more than the data file has.
 */
export class PartialState {
  constructor(private readonly dir: string) {}

  dataPath(sha256: string): string {
    return join(this.dir, `${sha256}.part`);
  }

  private recordPath(sha256: string): string {
    return join(this.dir, `${sha256}.json`);
  }

  private havePath(sha256: string): string {
    return join(this.dir, `${sha256}.have`);
  }

  /** Writes the content's description (once per download). */
  describe(record: Omit<PartialRecord, 'have'>): void {
    const path = this.recordPath(record.sha256);
    const body = {
      file: record.file,
      size: record.size,
      sha256: record.sha256,
      pieceSize: record.pieceSize,
      pieces: record.pieces.toString('base64'),
      prefixes: record.prefixes.toString('base64'),
      ...(record.download ? { download: record.download } : {}),
    };
    writeFileSync(`${path}.tmp`, JSON.stringify(body));
    renameSync(`${path}.tmp`, path);
  }

  /** Opens the bitfield file for in-place updates; the caller closes the descriptor. */
  openHave(sha256: string, have: Uint8Array): number {
    const fd = openSync(this.havePath(sha256), 'w');
    writeSync(fd, have, 0, have.length, 0);
    return fd;
  }

  /** Rewrites the bitfield in place: one write of a few bytes per GiB of file. */
  writeHave(fd: number, have: Uint8Array): void {
    writeSync(fd, have, 0, have.length, 0);
  }

  /** The record for this content, or undefined when there is none or it does not hold together. */
  load(sha256: string): PartialRecord | undefined {
    try {
      const raw = JSON.parse(readFileSync(this.recordPath(sha256), 'utf8')) as Record<string, unknown>;
      let have: Buffer;
      try {
        have = readFileSync(this.havePath(sha256));
      } catch {
        have = Buffer.alloc(0); // no bitfield yet: nothing held
      }
      return validate(raw, sha256, have);
    } catch {
      return undefined;
    }
  }

  /** Every resumable download in this folder. */
  all(): PartialRecord[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names.filter((n) => /^[0-9a-f]{64}\.json$/.test(n)).map((n) => this.load(n.slice(0, 64))).filter((r): r is PartialRecord => r !== undefined);
  }

  /** Forgets a download: its record and its data. */
  remove(sha256: string): void {
    rmSync(this.recordPath(sha256), { force: true });
    rmSync(this.havePath(sha256), { force: true });
    rmSync(this.dataPath(sha256), { force: true });
  }
}

/** Held pieces in a bitfield. */
export function countHeld(have: Uint8Array, count: number): number {
  let n = 0;
  for (let i = 0; i < count; i++) if (have[i >> 3]! & (1 << (i & 7))) n++;
  return n;
}

function validate(raw: Record<string, unknown>, sha256: string, have: Buffer): PartialRecord | undefined {
  const { file, size, pieceSize, pieces, prefixes } = raw;
  if (raw.sha256 !== sha256 || typeof file !== 'string' || fileNameProblem(file)) return undefined;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0 || pieceSize !== pieceSizeFor(size)) return undefined;
  if (typeof pieces !== 'string' || typeof prefixes !== 'string') return undefined;
  const count = pieceCount(size, pieceSize);
  const hashes = Buffer.from(pieces, 'base64');
  const prefixDigests = Buffer.from(prefixes, 'base64');
  const bits = new Uint8Array(Math.ceil(pieceCount(size, pieceSize) / 8));
  if (have.length === bits.length) bits.set(have);
  if (hashes.length !== count * DIGEST_BYTES || prefixDigests.length !== count * DIGEST_BYTES || bits.length !== Math.ceil(count / 8)) return undefined;
  const download = typeof raw.download === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(raw.download) ? { download: raw.download } : {};
  return { file, size, sha256, pieceSize, pieces: hashes, prefixes: prefixDigests, have: bits, ...download };
}
