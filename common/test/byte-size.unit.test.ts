import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatByteShare, formatByteSize } from '../byte-size.js';

test('sizes read like a file manager: binary multiples, one decimal below 10', () => {
  assert.equal([0, 1023, 1024, 1536, 10 * 1024 * 1024, 3.5 * 1024 ** 3, 2 * 1024 ** 5].map(formatByteSize), [
    '0 B',
    '1023 B',
    '1.0 KB',
    '1.5 KB',
    '10 MB',
    '3.5 GB',
    '2048 TB',
  ]);
  assert.equal([-1, Number.NaN, Infinity].map(formatByteSize), ['?', '?', '?']);
});

test('a part of a whole, as the peer says what a download keeps', () => {
  assert.is(formatByteShare(75_497_472, 209_715_200), '72 MB of 200 MB');
  assert.is(formatByteShare(0, 445), '0 B of 445 B');
});

test.run();
