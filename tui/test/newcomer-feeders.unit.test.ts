import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LogFeeder } from '../feeders/log-feeder.js';
import { TransfersFeeder } from '../feeders/transfers-feeder.js';
import { at } from './events.js';

const MB = 1024 * 1024;

test('the log shows the suggestions of a not-found, a cancelled download and the kept partials', () => {
  const f = new LogFeeder();
  f.apply(
    at(1, {
      event: 'not-found',
      download: 'd1',
      file: 'dataset',
      suggestions: ['dataset-4mb.bin'],
      message: 'dataset: no peer holds it; did you mean dataset-4mb.bin?',
    }),
  );
  f.apply(
    at(2, { event: 'download-cancelled', download: 'd2', file: 'movie.bin', kept: 72 * MB, discarded: false, by: 3 }),
  );
  f.apply(at(3, { event: 'download-cancelled', download: 'd3', file: 'old.iso', kept: 0, discarded: true, by: 4 }));
  f.apply(
    at(63_000, {
      event: 'partials',
      files: [
        {
          file: 'movie.bin',
          sha256: 'a'.repeat(64),
          bytes: 200 * MB,
          have: 72 * MB,
          percent: 36,
          modified: 3_000,
          running: false,
        },
      ],
    }),
  );
  const text = f.view().lines.map((l) => l.text);
  assert.match(text[0]!, /dataset: .*did you mean dataset-4mb\.bin\?/);
  assert.is(text[1], 'movie.bin: download cancelled; 72 MB kept: type its name to resume');
  assert.is(text[2], 'old.iso: download cancelled, its partial data deleted');
  assert.is(text[3], 'partial downloads kept (1):');
  assert.is(text[4], '  movie.bin  72 MB of 200 MB (36%), 1m00s ago');
});

test('a cancelled download leaves the transfers panel at once', () => {
  const f = new TransfersFeeder();
  f.apply(
    at(0, { event: 'download-started', download: 'd1', file: 'movie.bin', from: 's2', bytes: 200 * MB, sha256: 'x' }),
  );
  f.apply(at(10, { event: 'query-sent', query: 'q', download: 'd2', file: 'ghost.bin', hops: 7, neighbours: 1 }));
  assert.is(f.view(20).rows.length, 2);
  assert.ok(
    f.apply(
      at(30, { event: 'download-cancelled', download: 'd1', file: 'movie.bin', kept: MB, discarded: false, by: 2 }),
    ),
  );
  assert.ok(
    f.apply(
      at(40, { event: 'download-cancelled', download: 'd2', file: 'ghost.bin', kept: 0, discarded: false, by: 3 }),
    ),
  );
  assert.equal(f.view(50).rows, []);
});

test.run();
