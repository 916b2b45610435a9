import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NamesFeeder } from '../feeders/names-feeder.js';
import { at } from './events.js';

test('collects names seen offered: listings, answers, transfers, suggestions', () => {
  const f = new NamesFeeder();
  f.add(['welcome.txt']);
  f.apply(
    at(1, { event: 'files', shared: [{ name: 'mine.txt', size: 1 }], downloads: [{ name: 'got.png', size: 2 }] }),
  );
  f.apply(at(2, { event: 'download-started', download: 'q', file: 'big.bin', from: 's3', bytes: 5, sha256: 'x' }));
  f.apply(at(3, { event: 'upload-started', query: 'q', file: 'sent.txt', to: 's3', bytes: 5 }));
  f.apply(
    at(4, { event: 'query-seen', query: 'q', file: 'held.txt', from: 's2', origin: 's2', hops: 1, action: 'answered' }),
  );
  f.apply(
    at(5, {
      event: 'query-seen',
      query: 'q',
      file: 'asked-only.txt',
      from: 's2',
      origin: 's2',
      hops: 1,
      action: 'forwarded',
    }),
  );
  f.apply(at(6, { event: 'list', files: [{ name: 'listed.txt', size: 1, sha256: 'x', holders: 1 }] }));
  f.apply(
    at(7, {
      event: 'find-results',
      pattern: 'fo',
      files: [{ name: 'found.txt', size: 1, sha256: 'x', holders: ['s2'] }],
    }),
  );
  assert.equal(f.view().names, [
    'big.bin',
    'found.txt',
    'got.png',
    'held.txt',
    'listed.txt',
    'mine.txt',
    'sent.txt',
    'welcome.txt',
  ]);
});

test('is bounded, forgetting the least recently seen name', () => {
  const f = new NamesFeeder({ maxNames: 2 });
  f.add(['a', 'b']);
  f.add(['a']);
  f.add(['c']);
  assert.equal(f.view().names, ['a', 'c']);
});

test('never makes the screen dirty (it has no panel)', () => {
  assert.is(new NamesFeeder().apply(at(1, { event: 'files', shared: [{ name: 'x', size: 1 }], downloads: [] })), false);
});

test.run();
