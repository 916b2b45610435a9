/** The catalog's rescan period (peer/files/rescan-timer.ts): watched, 15 s; not watched, 5x a listing's time. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { blindRescanPeriod, RescanTimer } from '../files/rescan-timer.js';

test('not watched: five times the last full listing, at least 1 s, at most 15 s', () => {
  assert.is(blindRescanPeriod(0, 1000, 15_000), 1000);
  assert.is(blindRescanPeriod(150, 1000, 15_000), 1000);
  assert.is(blindRescanPeriod(600, 1000, 15_000), 3000);
  assert.is(blindRescanPeriod(3260, 1000, 15_000), 15_000, 'a 100,000-folder listing (3.26 s): every 15 s');
});

test('the timer waits by the time the last listing took while not watched, and 15 s while watched', () => {
  let watching = false;
  const timer = new RescanTimer(
    () => undefined,
    () => watching,
    { rescanMs: 15_000, blindRescanMs: 1000 },
  );
  assert.is(timer.periodMs, 1000);
  const t0 = performance.now();
  timer.timed(() => {
    while (performance.now() - t0 < 400); // a listing that takes 0.4 s
  });
  assert.ok(timer.periodMs >= 2000 && timer.periodMs < 2500, `${timer.periodMs} ms`);
  watching = true;
  assert.is(timer.periodMs, 15_000);
});

test.run();
