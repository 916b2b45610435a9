import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatByteRate, formatDecimalRate, MAX_BYTE_RATE, MIN_BYTE_RATE, parseByteRate } from '../byte-rate.js';
import { P2pError } from '../errors.js';

test('reads the units: KB/MB/GB 1000-based bytes, KiB/MiB/GiB 1024-based, kbit/Mbit/Gbit 1000-based bits', () => {
  const cases: [string, number][] = [
    ['500KB/s', 500_000],
    ['20MB/s', 20_000_000],
    ['1GB/s', 1e9],
    ['2MiB/s', 2 * 1024 * 1024],
    ['512KiB', 512 * 1024],
    ['1GiB/s', 1024 ** 3],
    ['100Mbit/s', 12_500_000],
    ['800kbit/s', 100_000],
    ['1Gbit', 125_000_000],
    ['100Mbps', 12_500_000],
    ['250000', 250_000],
    ['250000B/s', 250_000],
    ['1.5MB/s', 1_500_000],
    ['.5MB', 500_000],
  ];
  for (const [text, want] of cases) assert.is(parseByteRate(text), want, text);
});

test('any letter case, spaces around and between, /s or /sec optional', () => {
  for (const text of ['20mb/s', '20MB/S', ' 20 MB/s ', '20 mb', '20MB/sec', '20Mb/s'.toLowerCase()])
    assert.is(parseByteRate(text), 20_000_000, text);
  assert.is(parseByteRate('100 MBIT/S'), 12_500_000);
});

test('a rate it cannot read, or out of range, is refused in one sentence with an example', () => {
  for (const text of ['', 'fast', '20XB/s', '-5MB/s', '20 MB / s', '1e6', 'MB/s', '20MB/h', '1,5MB/s', 'NaN']) {
    try {
      parseByteRate(text);
      assert.unreachable(text);
    } catch (err) {
      assert.instance(err, P2pError, text);
      const message = (err as P2pError).message;
      assert.is((err as P2pError).code, 'P2P_ERR_BAD_ARGS');
      assert.ok(/for example 500KB\/s/.test(message) && !message.includes('\n'), message);
    }
  }
  for (const text of ['0', '99KB/s', '101GB/s']) {
    try {
      parseByteRate(text);
      assert.unreachable(text);
    } catch (err) {
      assert.match((err as Error).message, /outside the rates a cap takes, 100 KB\/s to 100 GB\/s/);
    }
  }
});

test('formats a rate so that it reads back exactly when it can', () => {
  assert.equal([2_000_000, 12_500_000, 2 * 1024 * 1024, 500_000, 1e9, 512 * 1024, 999, 1_234_567].map(formatByteRate), [
    '2 MB/s',
    '12.5 MB/s',
    '2 MiB/s',
    '500 KB/s',
    '1 GB/s',
    '512 KiB/s',
    '999 B/s',
    '1.23 MB/s',
  ]);
  assert.is(formatByteRate(-1), '?');
});

test('a measured rate reads in 1000-based units with three digits, never in binary ones', () => {
  assert.equal([4 * 1024 * 1024, 3_999_999, 2_000_000, 0, 512 * 1024, 1.5e9].map(formatDecimalRate), [
    '4.19 MB/s',
    '4 MB/s',
    '2 MB/s',
    '0 B/s',
    '524 KB/s',
    '1.5 GB/s',
  ]);
});

test('property: every whole rate in range formats to a text that parses back within 0.5%', () => {
  fc.assert(
    fc.property(fc.integer({ min: MIN_BYTE_RATE, max: MAX_BYTE_RATE }), (rate) => {
      const back = parseByteRate(formatByteRate(rate));
      return Math.abs(back - rate) <= rate * 0.005;
    }),
    { seed: 4242, numRuns: 5000 },
  );
});

test('property: a number and a unit in any case and spacing parse to number × unit', () => {
  const units: [string, number][] = [
    ['KB', 1e3],
    ['MiB', 1024 ** 2],
    ['Mbit', 1e6 / 8],
    ['GB', 1e9],
  ];
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 90 }),
      fc.constantFrom(...units),
      fc.boolean(),
      fc.boolean(),
      fc.boolean(),
      (n, [unit, size], upper, space, perSecond) => {
        const rate = n * size;
        fc.pre(rate >= MIN_BYTE_RATE && rate <= MAX_BYTE_RATE);
        const text = `${n}${space ? ' ' : ''}${upper ? unit.toUpperCase() : unit.toLowerCase()}${perSecond ? '/s' : ''}`;
        return parseByteRate(text) === Math.round(rate);
      },
    ),
    { seed: 77, numRuns: 2000 },
  );
});

test.run();
