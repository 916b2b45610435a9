/** Dropped input is said once per source per window, and a bounded number of times in all (common/drop-log.ts). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DropLog } from '../drop-log.js';

test('a source is named once a minute, however much it sends', () => {
  let now = 0;
  const lines: string[] = [];
  const drops = new DropLog((source, why) => lines.push(`${source}: ${why}`), { now: () => now });
  for (let i = 0; i < 100; i++) drops.dropped('10.0.0.9', `garbage ${i}`);
  drops.dropped('10.0.0.8', 'wrong MAC');
  assert.equal(lines, ['10.0.0.9: garbage 0', '10.0.0.8: wrong MAC']);
  now = 59_999;
  drops.dropped('10.0.0.9', 'again');
  assert.is(lines.length, 2);
  now = 60_001;
  drops.dropped('10.0.0.9', 'a minute later');
  assert.is(lines.at(-1), '10.0.0.9: a minute later');
});

test('many forged sources cannot flood the log: at most maxPerWindow lines a window in all', () => {
  let now = 0;
  const lines: string[] = [];
  const drops = new DropLog((source) => lines.push(source), { now: () => now, maxPerWindow: 5 });
  for (let i = 0; i < 1000; i++) drops.dropped(`10.0.${i >> 8}.${i & 255}`, 'forged');
  assert.is(lines.length, 5);
  now = 60_000;
  drops.dropped('10.9.9.9', 'next window');
  assert.is(lines.length, 6);
});

test.run();
