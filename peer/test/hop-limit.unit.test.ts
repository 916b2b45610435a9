/**
 * The hop limit a search starts with (peer/mesh/hop-limit.ts): the server's reach plus a margin, bounded, 7 until the
 * server says; and a smaller reach takes over only once it has stood for a while.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_HOP_LIMIT, REACH_MEMORY_MS, ReachMemory, searchHopLimit } from '../mesh/hop-limit.js';

test('reach + 1, within 1..32; 7 while the server has said nothing', () => {
  assert.is(searchHopLimit(undefined), DEFAULT_HOP_LIMIT);
  assert.is(DEFAULT_HOP_LIMIT, 7);
  assert.equal([1, 3, 8, 31, 32].map(searchHopLimit), [2, 4, 9, 32, 32]);
  assert.is(searchHopLimit(0), 1);
});

test('a larger reach stands for REACH_MEMORY_MS against smaller ones; the latest stays once the server is quiet', () => {
  let now = 0;
  const memory = new ReachMemory(REACH_MEMORY_MS, () => now);
  assert.is(memory.current, undefined);
  memory.note(undefined);
  assert.is(memory.current, undefined, 'a message without a reach says nothing');
  memory.note(3);
  now = 1000;
  memory.note(9); // the mesh grew: at once
  assert.is(memory.current, 9);
  for (now = 2000; now < 1000 + REACH_MEMORY_MS; now += 1000) {
    memory.note(2); // a restarted server hearing its peers one by one
    assert.is(memory.current, 9, `at ${now} ms`);
  }
  assert.is(memory.current, 2, 'the larger figure has expired');
  memory.note(5);
  now += 60_000; // the server went quiet
  assert.is(memory.current, 5, 'the last figure heard stands');
});

test.run();
