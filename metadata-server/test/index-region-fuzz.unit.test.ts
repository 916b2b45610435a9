/**
 * Property-based fuzzing of the registry's binary file index (metadata-server/index-region.ts): every list the wire
 * can carry is stored and read back exactly, or refused without touching what the slot held (docs/PLATFORM.md
 * "Fuzzing"). Here rather than in harness/fuzz/ because the harness may not import the metadata server.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { test } from 'uvu';
import { checkProperty } from '../../harness/fuzz/fuzz-runner.js';
import { sha256Arb, textArb } from '../../harness/fuzz/wire-arbitraries.js';
import { IndexRegion, decodeIndex, encodeIndex, encodedIndexBytes } from '../index-region.js';

const fileArb = fc.record(
  { name: textArb(1, 255), size: fc.oneof(fc.nat(5000), fc.maxSafeNat()), sha256: sha256Arb },
  { noNullPrototype: true },
);
const wellFormed = (s: string) => !/\p{Cs}/u.test(s);

test('index: encode then decode gives every well-formed list back', () => {
  checkProperty({
    name: 'index: encode/decode round trip',
    runs: 1500,
    property: () =>
      fc.property(fc.array(fileArb, { maxLength: 12 }), (files) => {
        const clean = files.map((f) => (wellFormed(f.name) ? f : { ...f, name: f.name.replace(/\p{Cs}/gu, '\ufffd') }));
        const bytes = encodeIndex(clean);
        return bytes.length === encodedIndexBytes(clean) && isDeepStrictEqual(decodeIndex(bytes), clean);
      }),
  });
});

test('index: a slot keeps the list it was given, or refuses it and keeps the one before', () => {
  checkProperty({
    name: 'index: region write/copy',
    runs: 800,
    property: () =>
      fc.property(
        fc.array(fc.array(fileArb, { maxLength: 10 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 0, max: 2 }),
        (lists, words, slot) => {
          const bytesPerSlot = words * 8;
          const region = new IndexRegion(new SharedArrayBuffer(3 * bytesPerSlot), 0, 3, bytesPerSlot);
          let stored: unknown[] = [];
          for (const files of lists) {
            const r = region.write(slot, files);
            if (r.ok) stored = files;
            else if (files.every((f) => wellFormed(f.name)) && encodedIndexBytes(files) + 8 <= bytesPerSlot)
              return false;
            if (!isDeepStrictEqual(decodeIndex(region.copy(slot)), stored)) return false;
            if (region.count(slot) !== stored.length) return false;
          }
          for (const other of [0, 1, 2]) if (other !== slot && region.count(other) !== 0) return false;
          return true;
        },
      ),
  });
});

test.run();
