import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pacer } from '../backup/pacer.js';

test('a pacer spreads pieces so that over time no more than its rate flows, and idle time is not saved up', () => {
  let now = 0;
  const pace = pacer(1000, () => now); // 1000 bytes a second
  assert.is(pace(500), 500, 'half a second of budget for 500 bytes');
  now = 100;
  assert.is(pace(500), 900, 'the next 500 wait behind the first: due at 1000 ms');
  now = 5000; // a long pause: no burst saved up from it
  assert.is(pace(1000), 1000);
  assert.is(pace(0), 1000, 'nothing sent, still the same debt');
});

test.run();
