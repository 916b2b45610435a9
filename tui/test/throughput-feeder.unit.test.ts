import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ThroughputFeeder } from '../feeders/throughput-feeder.js';
import { at } from './events.js';

const progress = (t: number, download: string, received: number) =>
  at(t, { event: 'download-progress', download, file: 'f', from: 's2', bytes: 1e9, received, sources: [] });

test('turns progress positions into per-second receive and send rates', () => {
  const f = new ThroughputFeeder({ bucketMs: 1_000 });
  f.tick(0);
  f.apply(at(50, { event: 'download-started', download: 'q1', file: 'f', from: 's2', bytes: 1e9, sha256: 'x' }));
  f.apply(progress(100, 'q1', 1_000));
  f.apply(progress(500, 'q1', 3_000));
  assert.is(f.tick(900), false, 'the bucket is still open');
  assert.is(f.tick(1_000), true);
  f.apply(at(1_200, { event: 'upload-progress', query: 'q9', file: 'g', to: 's3', bytes: 10_000, sent: 500 }));
  f.tick(2_000);
  const v = f.view();
  assert.equal(v.inRates, [3_000, 0]);
  assert.equal(v.outRates, [0, 500]);
  assert.equal([v.currentIn, v.currentOut, v.peakIn, v.peakOut], [0, 500, 3_000, 500]);
  assert.equal([v.totalIn, v.totalOut], [3_000, 500]);
});

test('rates are per second whatever the bucket width', () => {
  const f = new ThroughputFeeder({ bucketMs: 250 });
  f.tick(0);
  f.apply(progress(10, 'q1', 1_000));
  f.tick(250);
  assert.equal(f.view().inRates, [4_000]);
});

test('counts the tail that only download-complete reports', () => {
  const f = new ThroughputFeeder();
  f.tick(0);
  f.apply(progress(100, 'q1', 900));
  f.apply(
    at(200, {
      event: 'download-complete',
      download: 'q1',
      file: 'f',
      path: 'Downloads/f',
      bytes: 1_000,
      sha256: 'x',
      from: 's2',
      ms: 200,
      sources: [],
    }),
  );
  f.tick(1_000);
  assert.is(f.view().totalIn, 1_000);
  assert.equal(f.view().inRates, [1_000]);
});

test('bytes held from an earlier run are not received, even when download-started follows download-resumed', () => {
  const f = new ThroughputFeeder();
  f.tick(0);
  f.apply(at(10, { event: 'download-resumed', download: 'q1', file: 'f', sha256: 'x', bytes: 1e9, have: 600_000 }));
  f.apply(at(20, { event: 'download-started', download: 'q1', file: 'f', from: 's2', bytes: 1e9, sha256: 'x' }));
  f.apply(progress(100, 'q1', 650_000));
  f.tick(1_000);
  assert.equal([f.view().totalIn, f.view().inRates], [50_000, [50_000]]);
});

test('a position going backwards adds nothing', () => {
  const f = new ThroughputFeeder();
  f.tick(0);
  f.apply(progress(100, 'q1', 5_000));
  f.apply(progress(200, 'q1', 4_000));
  f.apply(progress(300, 'q1', 6_000));
  f.tick(1_000);
  assert.is(f.view().totalIn, 6_000);
});

test('seconds in which no tick ran count as idle, and the history is bounded', () => {
  const f = new ThroughputFeeder({ historyBuckets: 5 });
  f.tick(0);
  f.apply(progress(100, 'q1', 7_000));
  f.tick(3_500);
  assert.equal(f.view().inRates, [7_000, 0, 0]);
  f.tick(60_000);
  assert.equal(f.view().inRates, [0, 0, 0, 0, 0]);
  assert.is(f.view().peakIn, 0);
});

test('never marks itself dirty on an event: the tick shows new buckets', () => {
  const f = new ThroughputFeeder();
  assert.is(f.apply(progress(100, 'q1', 5_000)), false);
});

test('limits events set and lift the caps shown next to the rates', () => {
  const f = new ThroughputFeeder();
  assert.equal([f.view().capIn, f.view().capOut], [null, null]);
  assert.is(f.apply(at(10, { event: 'limits', up: 2_000_000, down: null })), true, 'the panel changes at once');
  assert.equal([f.view().capIn, f.view().capOut], [null, 2_000_000]);
  f.apply(at(20, { event: 'limits', up: 2_000_000, down: 12_500_000 }));
  assert.equal([f.view().capIn, f.view().capOut], [12_500_000, 2_000_000]);
  f.apply(at(30, { event: 'limits', up: null, down: null }));
  assert.equal([f.view().capIn, f.view().capOut], [null, null]);
});

test.run();
