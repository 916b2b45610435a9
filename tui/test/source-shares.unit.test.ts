import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { keptShares, wholePercents, withPercents } from '../feeders/source-shares.js';

test('whole percents add up to exactly 100 and stay within a point of the exact share', () => {
  assert.equal(wholePercents([120, 80]), [60, 40]);
  assert.equal(wholePercents([1, 1, 1]), [34, 33, 33]);
  assert.equal(wholePercents([0, 5]), [0, 100]);
  // A fixed pseudo-random sequence (LCG), so a failure is reproducible.
  let seed = 42;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
  for (let round = 0; round < 500; round += 1) {
    const parts = Array.from({ length: 1 + (next() % 7) }, () => next() % 1_000_000);
    const percents = wholePercents(parts);
    const total = parts.reduce((n, p) => n + p, 0);
    if (total === 0) {
      assert.is(percents, null);
      continue;
    }
    assert.is(
      percents!.reduce((n, p) => n + p, 0),
      100,
      `${parts}`,
    );
    percents!.forEach((p, i) => assert.ok(Math.abs(p - (parts[i]! * 100) / total) < 1, `${parts} → ${percents}`));
  }
});

test('nothing delivered yet means no percents', () => {
  assert.is(wholePercents([]), null);
  assert.is(wholePercents([0, 0]), null);
});

test('holders that left without sending are not listed; finished, only those that sent something', () => {
  const sources = [
    { name: 's2', bytes: 0, pieces: 0, active: false },
    { name: 's3', bytes: 0, pieces: 0, active: true },
    { name: 's4', bytes: 10, pieces: 1, active: false },
  ];
  assert.equal(
    keptShares(sources, false).map((s) => s.name),
    ['s3', 's4'],
  );
  assert.equal(
    keptShares(sources, true).map((s) => s.name),
    ['s4'],
  );
  assert.equal(
    withPercents(keptShares(sources, false)).map((s) => [s.name, s.percent]),
    [
      ['s4', 100],
      ['s3', 0],
    ],
  );
});

test.run();
