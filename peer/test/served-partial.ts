import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bitfield } from '../content/bitfield.js';
import type { HeldFile } from '../files/file-catalog.js';
import type { ServedPartial } from '../transfer/partial-serving.js';
import { describe } from './fake-peer.js';

/**
 * A download still running, as an upload serves it (peer/transfer/partial-serving.ts): `bytes` random bytes in
 * `root/x.part`, its manifest, the pieces `held` (all of them by default) verified, and the ServedPartial and HeldFile
 * an `Upload` takes. `parts` replaces the partial's listeners (all no-ops by default).
 */
export function servedPartial(
  root: string,
  bytes: number,
  held?: number[],
  parts: Partial<Pick<ServedPartial, 'onVerified' | 'onEnded'>> = {},
) {
  const data = randomBytes(bytes);
  const path = join(root, 'x.part');
  writeFileSync(path, data); // what a partial file holds; only the verified pieces may leave
  const { sha256, pieceSize, pieces, prefixes } = describe(data);
  const manifest = { size: data.length, sha256, pieceSize, pieces, prefixes };
  const count = Math.ceil(data.length / pieceSize);
  const have = new Bitfield(count);
  for (const i of held ?? Array.from({ length: count }, (_, i) => i)) have.set(i);
  const partial: ServedPartial = {
    file: 'x.bin',
    manifest,
    path,
    have,
    onVerified: () => () => undefined,
    onEnded: () => () => undefined,
    met: () => undefined,
    ...parts,
  };
  const file = { name: 'x.bin', path, relative: 'x.bin', size: data.length } as HeldFile;
  return { path, manifest, pieces, pieceSize, count, have, partial, held: file };
}
