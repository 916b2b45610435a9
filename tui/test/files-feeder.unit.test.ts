import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FilesFeeder } from '../feeders/files-feeder.js';
import { at } from './events.js';

test('lists shared and downloaded files by name with totals', () => {
  const f = new FilesFeeder();
  assert.ok(
    f.apply(
      at(1, {
        event: 'files',
        shared: [
          { name: 'b.txt', size: 10 },
          { name: 'a.png', size: 5 },
        ],
        downloads: [{ name: 'z.bin', size: 100 }],
      }),
    ),
  );
  const v = f.view();
  assert.equal(
    v.shared.map((e) => e.name),
    ['a.png', 'b.txt'],
  );
  assert.equal([v.sharedBytes, v.downloadsBytes], [15, 100]);
  assert.is(
    f.apply(
      at(2, {
        event: 'files',
        shared: [
          { name: 'b.txt', size: 10 },
          { name: 'a.png', size: 5 },
        ],
        downloads: [{ name: 'z.bin', size: 100 }],
      }),
    ),
    false,
    'an identical listing does not redraw',
  );
});

test('a verified download shows at once and is marked fresh', () => {
  const f = new FilesFeeder();
  f.apply(at(1, { event: 'files', shared: [], downloads: [] }));
  f.apply(
    at(2, {
      event: 'download-complete',
      download: 'q',
      file: 'new.txt',
      path: 'Downloads/new.txt',
      bytes: 42,
      sha256: 'x',
      from: 's2',
      ms: 3,
      sources: [],
    }),
  );
  assert.equal(f.view().downloads, [{ name: 'new.txt', size: 42 }]);
  assert.equal(f.view().fresh, ['new.txt']);
  f.apply(at(3, { event: 'files', shared: [], downloads: [{ name: 'new.txt', size: 42 }] }));
  assert.equal(f.view().fresh, ['new.txt'], 'the confirming listing keeps the mark');
  f.apply(
    at(4, {
      event: 'files',
      shared: [],
      downloads: [
        { name: 'new.txt', size: 42 },
        { name: 'other', size: 1 },
      ],
    }),
  );
  assert.equal(f.view().fresh, ['other']);
});

test.run();
