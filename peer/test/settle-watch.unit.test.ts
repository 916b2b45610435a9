import type { Stats } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SettleWatch } from '../files/settle-watch.js';

const stats = (size: number, mtimeMs: number, ino = 7) => ({ size, mtimeMs, ino }) as Stats;

test('settled once the mtime is the settle period old; a write starts the wait again', () => {
  let now = 10_000;
  const watch = new SettleWatch(2000, () => now);
  assert.not.ok(watch.settled('/f', stats(10, 9_500)), 'written half a second ago');
  now = 11_400;
  assert.not.ok(watch.settled('/f', stats(20, 11_300)), 'grew meanwhile');
  now = 13_299;
  assert.not.ok(watch.settled('/f', stats(20, 11_300)));
  now = 13_300;
  assert.ok(watch.settled('/f', stats(20, 11_300)), 'unchanged for 2 s');
  assert.ok(watch.settled('/old', stats(5, 1_000)), 'a file written long ago is settled at once');
});

test('an mtime in the future counts from when the file was first seen so', () => {
  let now = 10_000;
  const watch = new SettleWatch(2000, () => now);
  assert.not.ok(watch.settled('/f', stats(10, 50_000)));
  now = 11_999;
  assert.not.ok(watch.settled('/f', stats(10, 50_000)));
  now = 12_000;
  assert.ok(watch.settled('/f', stats(10, 50_000)));
  assert.not.ok(watch.settled('/f', stats(11, 50_000)), 'changed: the wait starts again');
});

test('a file vouched for is settled at once, until it changes; forgotten files are dropped', () => {
  const now = 10_000;
  const watch = new SettleWatch(2000, () => now);
  watch.vouch('/d', stats(10, 9_999));
  assert.ok(watch.settled('/d', stats(10, 9_999)));
  assert.not.ok(watch.settled('/d', stats(10, 9_999, 8)), 'another file under that name');
  watch.keepOnly(new Set());
  watch.vouch('/e', stats(1, 9_999));
  watch.keepOnly(new Set(['/d']));
  assert.not.ok(watch.settled('/e', stats(1, 9_999)), 'forgotten');
});

test.run();

test('dueAt: when a settling file becomes due if it does not change again, undefined once settled', () => {
  let now = 10_000;
  const watch = new SettleWatch(1000, () => now);
  assert.not.ok(watch.settled('/f', stats(10, 9_800)));
  assert.is(watch.dueAt('/f', 9_800), 10_800);
  assert.is(watch.dueAt('/unknown', 9_800), undefined);
  now = 10_800;
  assert.is(watch.dueAt('/f', 9_800), undefined, 'due now: settled');
  now = 10_000;
  assert.not.ok(watch.settled('/g', stats(10, 60_000)), 'an mtime in the future');
  assert.is(watch.dueAt('/g', 60_000), 11_000, 'counted from when it was first seen');
});
