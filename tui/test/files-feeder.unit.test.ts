import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FilesFeeder } from '../feeders/files-feeder.js';
import { columns, fitPath } from '../format.js';
import { fileLines } from '../panel-text.js';
import { at, untag } from './events.js';

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

test('long paths keep their file name in view; a tree of 10,000 paths is listed at once', () => {
  const f = new FilesFeeder();
  const deep = `${'a-rather-long-folder-name/'.repeat(12)}quarterly report.pdf`;
  const shared = Array.from({ length: 10_000 }, (_, i) => ({ name: `folder-${i % 100}/file-${i}.bin`, size: i }));
  const started = performance.now();
  assert.ok(f.apply(at(1, { event: 'files', shared: [...shared, { name: deep, size: 5 }], downloads: [] })));
  const view = f.view();
  assert.ok(performance.now() - started < 2000, 'applied within 2 s');
  assert.is(view.shared.length, 10_001);
  assert.is(view.sharedBytes, (9_999 * 10_000) / 2 + 5);
  const only = new FilesFeeder();
  only.apply(at(2, { event: 'files', shared: [{ name: deep, size: 5 }], downloads: [] }));
  const lines = fileLines(only.view(), 80, 10, true).map(untag);
  const row = lines.find((l) => l.startsWith('S '))!;
  assert.match(row, /^S …\/a-rather-long-folder-name\/quarterly report\.pdf /, row);
  assert.is(columns(row), 80);
  const narrow = fileLines(only.view(), 24, 10, false).map(untag);
  assert.match(narrow.at(-1)!, /^S quarterly re~ /, 'the name itself, cut at its end, when alone');
  assert.is(fitPath('docs/report.pdf', 20), 'docs/report.pdf     ');
  assert.is(fitPath('docs/2024/report.pdf', 16), '…/report.pdf    ');
  assert.is(fitPath('docs/2024/report.pdf', 18), '…/2024/report.pdf ');
});

test.run();
