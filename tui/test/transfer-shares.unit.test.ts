/** Who sent what in a download from several holders, as the transfers feeder keeps it. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TransfersFeeder } from '../feeders/transfers-feeder.js';
import { at } from './events.js';

const MB = 1_000_000;

test('a download served by several holders lists them, the first answering holder first', () => {
  const f = new TransfersFeeder();
  f.apply(at(0, { event: 'download-started', download: 'q1', file: 'big.bin', from: 's3', bytes: 1_000, sha256: 'x' }));
  f.apply(
    at(100, {
      event: 'download-progress',
      download: 'q1',
      file: 'big.bin',
      from: 's3',
      bytes: 1_000,
      received: 400,
      sources: [
        { name: 's5', bytes: 200, pieces: 2, active: true },
        { name: 's3', bytes: 200, pieces: 2, active: true },
        { name: 's4', bytes: 0, pieces: 0, active: false },
      ],
    }),
  );
  assert.equal(f.view(100).rows[0]!.sources, ['s3', 's5']);
  f.apply(
    at(200, {
      event: 'download-complete',
      download: 'q1',
      file: 'big.bin',
      path: 'Downloads/big.bin',
      bytes: 1_000,
      sha256: 'x',
      from: 's3',
      ms: 200,
      sources: [
        { name: 's3', bytes: 500, pieces: 5, active: false },
        { name: 's4', bytes: 0, pieces: 0, active: false },
        { name: 's5', bytes: 500, pieces: 5, active: false },
      ],
    }),
  );
  assert.equal(f.view(200).rows[0]!.sources, ['s3', 's5'], 'the holders that delivered something');
});

const share = (name: string, bytes: number, active = true) => ({ name, bytes, pieces: Math.ceil(bytes / MB), active });
const progress = (t: number, received: number, sources: ReturnType<typeof share>[]) =>
  at(t, {
    event: 'download-progress',
    download: 'q1',
    file: 'big.iso',
    from: sources[0]?.name ?? 's3',
    bytes: 400 * MB,
    received,
    sources,
  });
const complete = (t: number, sources: ReturnType<typeof share>[]) =>
  at(t, {
    event: 'download-complete',
    download: 'q1',
    file: 'big.iso',
    path: 'Downloads/big.iso',
    bytes: 400 * MB,
    sha256: 'x',
    from: sources[0]?.name ?? 's3',
    ms: 2_000,
    sources,
  });
const sharesOf = (f: TransfersFeeder, now: number) =>
  f.view(now).rows[0]!.shares.map((s) => [s.name, s.bytes, s.active, s.percent]);

test('keeps who sent what from progress events, biggest first, with percents that add up to 100', () => {
  const f = new TransfersFeeder();
  f.apply(
    at(0, { event: 'download-started', download: 'q1', file: 'big.iso', from: 's5', bytes: 400 * MB, sha256: 'x' }),
  );
  assert.equal(f.view(0).rows[0]!.shares, [], 'nothing known before the first progress event');
  f.apply(
    progress(250, 200 * MB, [
      share('s5', 78 * MB),
      share('s3', 120 * MB),
      share('s2', 2 * MB, false),
      share('s4', 0, false),
      share('s6', 0),
    ]),
  );
  assert.equal(
    sharesOf(f, 250),
    [
      ['s3', 120 * MB, true, 60],
      ['s5', 78 * MB, true, 39],
      ['s2', 2 * MB, false, 1],
      ['s6', 0, true, 0],
    ],
    's4 left without sending a piece: not listed; s6 has just joined',
  );
  // The next event replaces the shares: s5 has stopped sending.
  f.apply(progress(500, 300 * MB, [share('s3', 180 * MB), share('s5', 118 * MB, false), share('s2', 2 * MB, false)]));
  const shares = f.view(500).rows[0]!.shares;
  assert.equal(
    shares.map((s) => [s.name, s.active, s.percent]),
    [
      ['s3', true, 60],
      ['s5', false, 39],
      ['s2', false, 1],
    ],
  );
  assert.is(
    shares.reduce((n, s) => n + s.percent!, 0),
    100,
  );
});

test('percents add up to 100 however the bytes split, and are null before anything arrived', () => {
  const f = new TransfersFeeder();
  f.apply(progress(0, 0, [share('s3', 0), share('s5', 0)]));
  assert.equal(
    f.view(0).rows[0]!.shares.map((s) => s.percent),
    [null, null],
  );
  f.apply(progress(250, 3 * MB, [share('s3', MB), share('s5', MB), share('s2', MB)]));
  assert.equal(
    f.view(250).rows[0]!.shares.map((s) => s.percent),
    [34, 33, 33],
  );
  f.apply(progress(500, 6 * MB, [share('s3', 1), share('s5', 6 * MB - 1)]));
  assert.equal(
    f.view(500).rows[0]!.shares.map((s) => [s.name, s.percent]),
    [
      ['s5', 100],
      ['s3', 0],
    ],
  );
});

test('a finished download keeps its shares while it stays visible, without holders that sent nothing', () => {
  const f = new TransfersFeeder({ keepFinishedMs: 10_000 });
  f.apply(progress(0, 100 * MB, [share('s3', 60 * MB), share('s5', 40 * MB), share('s4', 0)]));
  f.apply(complete(1_000, [share('s3', 240 * MB, false), share('s5', 160 * MB, false), share('s4', 0, false)]));
  assert.equal(sharesOf(f, 1_000), [
    ['s3', 240 * MB, false, 60],
    ['s5', 160 * MB, false, 40],
  ]);
  assert.equal(f.view(1_000).rows[0]!.sources, ['s3', 's5']);
  // A late progress event for a finished download changes nothing.
  assert.is(f.apply(progress(1_100, 400 * MB, [share('s9', 400 * MB)])), false);
  assert.equal(sharesOf(f, 9_000), [
    ['s3', 240 * MB, false, 60],
    ['s5', 160 * MB, false, 40],
  ]);
  f.tick(11_001);
  assert.is(f.view(11_001).rows.length, 0, 'gone with the row');
});

test("a complete event without shares keeps the last progress event's; a failure keeps them too", () => {
  const f = new TransfersFeeder();
  f.apply(progress(0, 100 * MB, [share('s3', 75 * MB), share('s5', 25 * MB), share('s6', 0)]));
  f.apply(complete(500, []));
  assert.equal(sharesOf(f, 500), [
    ['s3', 75 * MB, true, 75],
    ['s5', 25 * MB, true, 25],
  ]);
  const g = new TransfersFeeder();
  g.apply(progress(0, 100 * MB, [share('s3', 50 * MB), share('s5', 50 * MB, false)]));
  g.apply(
    at(500, {
      event: 'download-failed',
      download: 'q1',
      file: 'big.iso',
      reason: 'every holder is gone',
      kept: 100 * MB,
    }),
  );
  const row = g.view(500).rows[0]!;
  assert.equal([row.state, row.kept], ['failed', 100 * MB]);
  assert.equal(
    row.shares.map((s) => [s.name, s.percent]),
    [
      ['s3', 50],
      ['s5', 50],
    ],
  );
});

test('uploads have no shares', () => {
  const f = new TransfersFeeder();
  f.apply(at(0, { event: 'upload-started', query: 'q1', file: 'x', to: 's5', bytes: 100 }));
  f.apply(at(100, { event: 'upload-progress', query: 'q1', file: 'x', to: 's5', bytes: 100, sent: 40 }));
  assert.equal(f.view(100).rows[0]!.shares, []);
});

test.run();
