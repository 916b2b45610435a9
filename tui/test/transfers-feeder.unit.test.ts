import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TransfersFeeder } from '../feeders/transfers-feeder.js';
import { at } from './events.js';

const MB = 1_000_000;

test('a query shows as searching, then as a download with percent, speed and ETA', () => {
  const f = new TransfersFeeder();
  assert.ok(
    f.apply(at(0, { event: 'query-sent', query: 'q1', download: 'q1', file: 'big.bin', hops: 5, neighbours: 2 })),
  );
  let row = f.view(0).rows[0]!;
  assert.is(row.state, 'searching');
  assert.is(row.peer, null);

  f.apply(
    at(1_000, { event: 'download-started', download: 'q1', file: 'big.bin', from: 's3', bytes: MB, sha256: 'x' }),
  );
  f.apply(
    at(2_000, {
      event: 'download-progress',
      download: 'q1',
      file: 'big.bin',
      from: 's3',
      bytes: MB,
      received: 250_000,
      sources: [],
    }),
  );
  row = f.view(2_000).rows[0]!;
  assert.is(row.state, 'active');
  assert.is(row.peer, 's3');
  assert.is(row.fraction, 0.25);
  assert.is(row.speed, 250_000);
  assert.is(row.etaMs, 3_000);
});

test('speed follows the last few seconds, not the average since the start', () => {
  const f = new TransfersFeeder({ speedWindowMs: 3_000 });
  f.apply(at(0, { event: 'download-started', download: 'q1', file: 'f', from: 's2', bytes: 100 * MB, sha256: 'x' }));
  let received = 0;
  // 5 s at 100 KB/s (an event every 10 ms), then 5 s at 1 MB/s (an event every ms): a burst of 5 500 events.
  for (let t = 10; t <= 5_000; t += 10) {
    received += 1_000;
    f.apply(
      at(t, {
        event: 'download-progress',
        download: 'q1',
        file: 'f',
        from: 's2',
        bytes: 100 * MB,
        received,
        sources: [],
      }),
    );
  }
  for (let t = 5_001; t <= 10_000; t += 1) {
    received += 1_000;
    f.apply(
      at(t, {
        event: 'download-progress',
        download: 'q1',
        file: 'f',
        from: 's2',
        bytes: 100 * MB,
        received,
        sources: [],
      }),
    );
  }
  const row = f.view(10_000).rows[0]!;
  assert.ok(Math.abs(row.speed! - MB) / MB < 0.1, `speed ${row.speed}`);
  assert.ok(Math.abs(row.etaMs! - ((100 * MB - received) / MB) * 1000) < 10_000, `eta ${row.etaMs}`);
  // However many events arrive, a transfer keeps a bounded handful of samples.
  const samples = (f as unknown as { rows: Map<string, { samples: unknown[] }> }).rows.get('down:q1')!.samples;
  assert.ok(samples.length <= 20, `${samples.length} samples kept`);
});

test('a stalled transfer shows zero speed and no ETA', () => {
  const f = new TransfersFeeder({ speedWindowMs: 3_000 });
  f.apply(at(0, { event: 'download-started', download: 'q1', file: 'f', from: 's2', bytes: 1_000, sha256: 'x' }));
  f.apply(
    at(1_000, {
      event: 'download-progress',
      download: 'q1',
      file: 'f',
      from: 's2',
      bytes: 1_000,
      received: 500,
      sources: [],
    }),
  );
  const row = f.view(5_000).rows[0]!;
  assert.is(row.speed, 0);
  assert.is(row.etaMs, null);
  assert.is(f.tick(5_000), true, 'an active transfer redraws as time passes');
});

test('a verified download stays with its average speed, then expires', () => {
  const f = new TransfersFeeder({ keepFinishedMs: 10_000 });
  f.apply(
    at(0, { event: 'download-started', download: 'q1', file: 'notes.txt', from: 's2', bytes: 2 * MB, sha256: 'x' }),
  );
  f.apply(
    at(2_000, {
      event: 'download-complete',
      download: 'q1',
      file: 'notes.txt',
      path: 'Downloads/notes.txt',
      bytes: 2 * MB,
      sha256: 'x',
      from: 's2',
      ms: 1_000,
      sources: [],
    }),
  );
  const row = f.view(2_000).rows[0]!;
  assert.is(row.state, 'verified');
  assert.is(row.fraction, 1);
  assert.is(row.speed, 2 * MB, 'the core-measured duration (1 s) wins over first-event time');
  assert.is(row.etaMs, null);
  assert.is(f.tick(11_000), false);
  assert.is(f.view(11_000).rows.length, 1);
  assert.is(f.tick(12_001), true);
  assert.is(f.view(12_001).rows.length, 0);
});

test('failures keep their reason; not-found and failures without a start still show', () => {
  const f = new TransfersFeeder();
  f.apply(at(0, { event: 'query-sent', query: 'q1', download: 'q1', file: 'ghost.txt', hops: 5, neighbours: 1 }));
  f.apply(at(500, { event: 'not-found', download: 'q1', file: 'ghost.txt' }));
  f.apply(at(550, { event: 'download-started', download: 'q2', file: 'bad.bin', from: 's4', bytes: 100, sha256: 'x' }));
  f.apply(
    at(600, { event: 'download-failed', download: 'q2', file: 'bad.bin', reason: 'checksum mismatch', kept: 40 }),
  );
  f.apply(at(650, { event: 'download-failed', download: 'q3', file: 'never.bin', reason: 'no holder could send it' }));
  const [latest, first, second] = f.view(700).rows;
  assert.equal([latest!.file, latest!.peer, latest!.sources, latest!.kept], ['never.bin', null, [], null]);
  assert.equal(
    [first!.file, first!.state, first!.reason, first!.peer, first!.kept],
    ['bad.bin', 'failed', 'checksum mismatch', 's4', 40],
  );
  assert.equal([second!.file, second!.state, second!.reason], ['ghost.txt', 'failed', 'not found']);
  assert.is(first!.speed, null);
});

test('in-flight rows come first (oldest first), then finished ones (newest first)', () => {
  const f = new TransfersFeeder();
  const start = (t: number, download: string) =>
    f.apply(at(t, { event: 'download-started', download, file: download, from: 's2', bytes: 10, sha256: 'x' }));
  const done = (t: number, download: string) =>
    f.apply(
      at(t, {
        event: 'download-complete',
        download,
        file: download,
        path: `Downloads/${download}`,
        bytes: 10,
        sha256: 'x',
        from: 's2',
        ms: 5,
        sources: [],
      }),
    );
  start(1, 'a');
  start(2, 'b');
  start(3, 'c');
  start(4, 'd');
  done(10, 'a');
  done(11, 'c');
  assert.equal(
    f.view(20).rows.map((r) => r.file),
    ['b', 'd', 'c', 'a'],
  );
});

test('finished rows are bounded, dropping the oldest', () => {
  const f = new TransfersFeeder({ maxFinished: 3 });
  for (let i = 0; i < 10; i += 1) {
    f.apply(at(i, { event: 'download-failed', download: `q${i}`, file: `f${i}`, reason: 'nope' }));
  }
  assert.equal(
    f.view(10).rows.map((r) => r.file),
    ['f9', 'f8', 'f7'],
  );
});

test('an upload and a download of the same query id are separate rows', () => {
  const f = new TransfersFeeder();
  f.apply(at(0, { event: 'upload-started', query: 'q1', file: 'x', to: 's5', bytes: 100 }));
  f.apply(at(0, { event: 'download-started', download: 'q1', file: 'x', from: 's2', bytes: 100, sha256: 'x' }));
  f.apply(at(100, { event: 'upload-progress', query: 'q1', file: 'x', to: 's5', bytes: 100, sent: 40 }));
  f.apply(at(200, { event: 'upload-complete', query: 'q1', file: 'x', to: 's5', bytes: 100, sent: 100 }));
  const rows = f.view(300).rows;
  assert.is(rows.length, 2);
  const up = rows.find((r) => r.direction === 'up')!;
  assert.equal([up.state, up.peer, up.done, up.speed], ['sent', 's5', 100, 500]);
  assert.is(rows.find((r) => r.direction === 'down')!.state, 'active');
});

test('a resumed download starts its bar where it left off and its speed from the resume', () => {
  const f = new TransfersFeeder();
  f.apply(at(0, { event: 'query-sent', query: 'q1', download: 'q1', file: 'big.bin', hops: 7, neighbours: 2 }));
  f.apply(
    at(100, { event: 'download-resumed', download: 'q1', file: 'big.bin', sha256: 'x', bytes: MB, have: 600_000 }),
  );
  let row = f.view(100).rows[0]!;
  assert.equal([row.state, row.fraction, row.speed, row.resumedFrom], ['active', 0.6, null, 600_000]);
  // The first piece of this run names the holder; the bar stays where it was and the speed does not count the held part.
  f.apply(at(600, { event: 'download-started', download: 'q1', file: 'big.bin', from: 's2', bytes: MB, sha256: 'x' }));
  assert.is(f.view(600).rows[0]!.fraction, 0.6);
  f.apply(
    at(1_100, {
      event: 'download-progress',
      download: 'q1',
      file: 'big.bin',
      from: 's2',
      bytes: MB,
      received: 700_000,
      sources: [{ name: 's2', bytes: 100_000, pieces: 1, active: true }],
    }),
  );
  row = f.view(1_100).rows[0]!;
  assert.equal([row.peer, row.speed, row.etaMs], ['s2', 200_000, 1_500]);
  assert.equal(
    row.shares.map((s) => [s.name, s.bytes, s.percent]),
    [['s2', 100_000, 100]],
    "the held bytes are nobody's share",
  );
  f.apply(
    at(2_100, {
      event: 'download-complete',
      download: 'q1',
      file: 'big.bin',
      path: 'Downloads/big.bin',
      bytes: MB,
      sha256: 'x',
      from: 's2',
      ms: 2_000,
      sources: [],
    }),
  );
  assert.is(f.view(2_100).rows[0]!.speed, 200_000, 'average over this run only: 400 KB in 2 s');
});

test('a download is one row for its whole life: new search rounds, a failure, then a resume under the same id', () => {
  const f = new TransfersFeeder();
  const d = { download: 'd1', file: 'movie.bin' };
  f.apply(at(0, { event: 'query-sent', query: 'q1', ...d, hops: 7, neighbours: 2 }));
  f.apply(at(100, { event: 'download-started', ...d, from: 's2', bytes: MB, sha256: 'x' }));
  f.apply(at(200, { event: 'download-progress', ...d, from: 's2', bytes: MB, received: 400_000, sources: [] }));
  // The holder left: the core searches again under fresh query ids; the row keeps its bar.
  f.apply(at(1_200, { event: 'query-sent', query: 'q2', ...d, hops: 7, neighbours: 2 }));
  f.apply(at(3_200, { event: 'query-sent', query: 'q3', ...d, hops: 7, neighbours: 2 }));
  let rows = f.view(3_300).rows;
  assert.equal(
    rows.map((r) => [r.key, r.state, r.fraction]),
    [['down:d1', 'active', 0.4]],
  );
  f.apply(at(5_000, { event: 'download-failed', ...d, reason: 'every holder is gone', kept: 400_000 }));
  rows = f.view(5_000).rows;
  assert.equal(
    rows.map((r) => [r.state, r.kept]),
    [['failed', 400_000]],
    'no searching row is left behind',
  );
  // Asked again: the same download resumes (same id) and its row starts again, once.
  f.apply(at(8_000, { event: 'download-resumed', ...d, sha256: 'x', bytes: MB, have: 400_000 }));
  f.apply(at(8_000, { event: 'query-sent', query: 'q4', ...d, hops: 7, neighbours: 2 }));
  rows = f.view(8_000).rows;
  assert.equal(
    rows.map((r) => [r.state, r.fraction, r.reason, r.kept, r.finishedAt]),
    [['active', 0.4, null, null, null]],
  );
  f.apply(at(9_000, { event: 'download-started', ...d, from: 's3', bytes: MB, sha256: 'x' }));
  f.apply(
    at(9_500, {
      event: 'download-complete',
      ...d,
      path: 'Downloads/movie.bin',
      bytes: MB,
      sha256: 'x',
      from: 's3',
      ms: 1_500,
      sources: [],
    }),
  );
  f.tick(20_000);
  assert.equal(
    f.view(20_000).rows.map((r) => [r.key, r.state]),
    [['down:d1', 'verified']],
  );
  f.tick(70_000);
  assert.equal(f.view(70_000).rows, [], 'nothing lingers');
});

test('a search that finds nothing is one row until not-found, and a new search of the same name is a new row', () => {
  const f = new TransfersFeeder();
  f.apply(at(0, { event: 'query-sent', query: 'q1', download: 'd1', file: 'ghost.txt', hops: 7, neighbours: 2 }));
  f.apply(at(2_000, { event: 'not-found', download: 'd1', file: 'ghost.txt' }));
  f.apply(at(3_000, { event: 'query-sent', query: 'q2', download: 'd2', file: 'ghost.txt', hops: 7, neighbours: 2 }));
  assert.equal(
    f.view(3_000).rows.map((r) => [r.key, r.state]),
    [
      ['down:d2', 'searching'],
      ['down:d1', 'failed'],
    ],
  );
});

test('events unrelated to transfers do not make the panel dirty', () => {
  const f = new TransfersFeeder();
  assert.is(f.apply(at(0, { event: 'log', level: 'info', message: 'hi' })), false);
  assert.is(f.tick(0), false);
});

test.run();
