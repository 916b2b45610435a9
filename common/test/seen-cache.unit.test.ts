import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SeenCache } from '../seen-cache.js';

test('drops a query it has already seen', () => {
  const seen = new SeenCache<string>();
  assert.ok(seen.add('q1', 's2'));
  assert.not.ok(seen.add('q1', 's3'));
  assert.is(seen.get('q1'), 's2', 'keeps the first sender as the reverse path');
});

test('forgets ids after their time to live', () => {
  let now = 1000;
  const seen = new SeenCache({ ttlMs: 50, now: () => now });
  seen.add('q1', true);
  now += 49;
  assert.ok(seen.has('q1'));
  now += 2;
  assert.not.ok(seen.has('q1'));
  assert.ok(seen.add('q1', true), 'an expired id is new again');
});

test('holds at most maxEntries ids, dropping the oldest', () => {
  const seen = new SeenCache({ maxEntries: 3 });
  for (const id of ['a', 'b', 'c', 'd']) seen.add(id, true);
  assert.is(seen.size, 3);
  assert.not.ok(seen.has('a'));
  assert.ok(seen.has('d'));
});

test.run();
