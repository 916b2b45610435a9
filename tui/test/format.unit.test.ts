import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  escapeTags,
  fit,
  fitRight,
  formatBytes,
  formatDuration,
  formatRate,
  printable,
  progressBar,
  truncate,
  wrap,
} from '../format.js';
import { spread, styled } from '../styled-text.js';
import { untag } from './events.js';

test('sizes, rates and durations read like a file manager', () => {
  assert.equal([0, 1023, 1024, 1536, 10 * 1024 * 1024, 3.5 * 1024 ** 3].map(formatBytes), [
    '0 B',
    '1023 B',
    '1.0 KB',
    '1.5 KB',
    '10 MB',
    '3.5 GB',
  ]);
  assert.is(formatRate(2.5 * 1024 * 1024), '2.5 MB/s');
  assert.equal([450, 12_400, 185_000, 7_620_000].map(formatDuration), ['450ms', '12s', '3m05s', '2h07m']);
  assert.equal([formatBytes(-1), formatDuration(Number.NaN)], ['?', '?']);
});

test('progress bars are clamped and keep their width', () => {
  assert.is(progressBar(0.5, 10), '█████░░░░░');
  assert.is(progressBar(2, 4), '████');
  assert.is(progressBar(-1, 4, false), '----');
  assert.is(progressBar(Number.NaN, 3), '░░░');
});

test('text is cut with an ellipsis and padded to columns', () => {
  assert.is(truncate('abcdef', 4), 'abc…');
  assert.is(truncate('abcdef', 4, false), 'abc~');
  assert.is(fit('ab', 4), 'ab  ');
  assert.is(fitRight('ab', 4), '  ab');
  assert.equal(wrap('aaa bbb ccc', 7), ['aaa bbb', 'ccc']);
  assert.equal(wrap('abcdefghij', 4), ['abcd', 'efgh', 'ij']);
});

test('network text cannot inject tags or control sequences', () => {
  assert.is(escapeTags('{bold}x{/bold}'), '{open}bold{close}x{open}/bold{close}');
  assert.is(printable('a\x1b[31mb\x07\n'), 'a?[31mb??');
});

test('styled parts are cut by visible width, tags excluded', () => {
  const line = styled([['hello ', 'bold'], 'world', [' more', 'red-fg']], 9);
  assert.is(untag(line), 'hello wo…');
  assert.is(line, '{bold}hello {/bold}wo…');
  assert.is(styled([['x', 'bold,red-fg']], 5), '{bold}{red-fg}x{/red-fg}{/bold}');
});

test('spread pushes the right side to the edge and cuts the left first', () => {
  assert.is(untag(spread(['left'], ['right'], 12)), 'left   right');
  assert.is(untag(spread(['a long left side'], ['50%'], 10)), 'a lon… 50%');
});

test.run();
