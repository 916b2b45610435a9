/**
 * Properties of the content description and the piece set (peer/content/manifest.ts, peer/content/bitfield.ts): a
 * manifest survives its JSON form, hostile manifests are refused with BadMessageError or accepted only when they hold
 * together, and a bitfield never reports a piece beyond its count and behaves like a set of indices.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { BadMessageError } from '../../common/errors.js';
import { Bitfield } from '../../peer/content/bitfield.js';
import { decodeManifest, encodeManifest, sameContent, type Manifest } from '../../peer/content/manifest.js';
import { thrown, type FuzzProperty } from './fuzz-runner.js';
import { mutate, mutationArb } from './wire-properties.js';

const MiB = 1024 * 1024;
const MAX_PIECES = 8192;
const MAX_FILE = MAX_PIECES * 64 * MiB;

/** Cheap deterministic bytes: a 37-byte xorshift pattern repeated, so a manifest of 8192 pieces costs little. */
function patterned(length: number, seed: number): Buffer {
  const unit = Buffer.allocUnsafe(37);
  let x = seed | 1;
  for (let i = 0; i < unit.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    unit[i] = x & 0xff;
  }
  return length === 0 ? Buffer.alloc(0) : Buffer.alloc(length, unit);
}

/** The piece size the protocol gives a file, restated: 1 MiB doubled until the file fits in 8192 pieces. */
function expectedPieceSize(size: number): number {
  let p = MiB;
  while (Math.ceil(size / p) > MAX_PIECES && p < 64 * MiB) p *= 2;
  return p;
}

export const manifestArb: fc.Arbitrary<Manifest> = fc
  .record({
    size: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 8 * MiB }), fc.integer({ min: 0, max: MAX_FILE })),
    seed: fc.integer(),
  })
  .map(({ size, seed }) => {
    const pieceSize = expectedPieceSize(size);
    const count = Math.ceil(size / pieceSize);
    const pieces = patterned(count * 32, seed);
    const prefixes = patterned(count * 32, seed ^ 0x55aa);
    const sha256 = count > 0 ? prefixes.subarray((count - 1) * 32).toString('hex') : createHash('sha256').digest('hex');
    return { size, sha256, pieceSize, pieces, prefixes };
  });

/** What an accepted manifest must satisfy, stated without peer/content/piece-plan.ts. */
function holdsTogether(m: Manifest): boolean {
  const count = Math.ceil(m.size / m.pieceSize);
  const last = count > 0 ? m.prefixes.subarray((count - 1) * 32).toString('hex') : createHash('sha256').digest('hex');
  return (
    Number.isSafeInteger(m.size) &&
    m.size >= 0 &&
    m.size <= MAX_FILE &&
    m.pieceSize === expectedPieceSize(m.size) &&
    count <= MAX_PIECES &&
    m.pieces.length === count * 32 &&
    m.prefixes.length === count * 32 &&
    /^[0-9a-f]{64}$/.test(m.sha256) &&
    last === m.sha256
  );
}

function refusedOrValid(raw: unknown): boolean {
  let m: Manifest | undefined;
  const err = thrown(() => (m = decodeManifest(raw)));
  return err === undefined ? holdsTogether(m!) : err instanceof BadMessageError;
}

const FIELDS = ['size', 'sha256', 'pieceSize', 'pieces', 'prefixes'] as const;

export const contentProperties: FuzzProperty[] = [
  {
    name: 'manifest: encode, JSON, decode gives the same content',
    runs: 500,
    property: () =>
      fc.property(manifestArb, (m) => {
        const back = decodeManifest(JSON.parse(JSON.stringify(encodeManifest(m))));
        return sameContent(back, m) && holdsTogether(back);
      }),
  },
  {
    name: 'manifest: a field replaced by anything is refused or still holds together',
    runs: 1000,
    property: () =>
      fc.property(
        manifestArb,
        fc.constantFrom(...FIELDS),
        fc.oneof(
          fc.jsonValue(),
          fc.constantFrom(-1, 0.5, 2 ** 53, MAX_FILE + 1, NaN, 'AA==', '=', 'A', MiB, 2 * MiB, 64 * MiB, 128 * MiB),
          fc.uint8Array({ maxLength: 96 }).map((b) => Buffer.from(b).toString('base64')),
        ),
        (m, field, value) => refusedOrValid({ ...encodeManifest(m), [field]: value }),
      ),
  },
  {
    name: 'manifest: mutated JSON text is refused or still holds together',
    runs: 800,
    property: () =>
      fc.property(
        manifestArb.filter((m) => m.size < 64 * MiB),
        fc.array(mutationArb, { minLength: 1, maxLength: 3 }),
        (m, mutations) => {
          const text = mutate(Buffer.from(JSON.stringify(encodeManifest(m))), mutations).toString('utf8');
          let raw: unknown;
          try {
            raw = JSON.parse(text);
          } catch {
            return true;
          }
          return refusedOrValid(raw);
        },
      ),
  },
  {
    name: 'manifest: any value at all is refused with BadMessageError or holds together',
    runs: 1000,
    property: () => fc.property(fc.anything(), (raw) => refusedOrValid(raw)),
  },
  {
    name: 'bitfield: built from any bytes, it reports no piece beyond its count and counts what it has',
    runs: 2000,
    property: () =>
      fc.property(fc.integer({ min: 0, max: 300 }), fc.option(fc.uint8Array({ maxLength: 40 })), (length, bytes) => {
        const b = new Bitfield(length, bytes ?? undefined);
        const rightSize = bytes !== null && bytes.length === Math.ceil(length / 8);
        let held = 0;
        for (let i = -3; i < length + 20; i++) {
          const want = i >= 0 && i < length && rightSize && (bytes![i >> 3]! & (1 << (i & 7))) !== 0;
          if (b.has(i) !== want) return false;
          if (want) held++;
        }
        const spare = b.bytes.length * 8 - length;
        const tailClear = spare === 0 || b.bytes[b.bytes.length - 1]! >> (8 - spare) === 0;
        return (
          b.count === held && b.full === (held === length) && tailClear && b.bytes.length === Math.ceil(length / 8)
        );
      }),
  },
  {
    name: 'bitfield: set and clear behave like a set of indices',
    runs: 2000,
    property: () =>
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.array(
          fc.record({
            set: fc.boolean(),
            i: fc.integer({ min: -5, max: 110 }),
            from: fc.integer({ min: -5, max: 110 }),
          }),
          { maxLength: 60 },
        ),
        (length, ops) => {
          const b = new Bitfield(length);
          const model = new Set<number>();
          for (const { set, i, from } of ops) {
            const inside = i >= 0 && i < length;
            if (set) {
              const err = thrown(() => b.set(i));
              if (!inside) {
                if (!(err instanceof RangeError)) return false;
              } else if (err !== undefined) return false;
              else model.add(i);
            } else {
              if (b.clear(i) !== model.delete(i)) return false;
            }
            let missing = Math.max(0, from);
            while (missing < length && model.has(missing)) missing++;
            if (b.firstMissing(from) !== missing || b.count !== model.size) return false;
          }
          const same = new Bitfield(length);
          for (const i of model) same.set(i);
          return (
            Buffer.from(same.bytes).equals(Buffer.from(b.bytes)) && new Bitfield(length, b.bytes).count === model.size
          );
        },
      ),
  },
];
