import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FLOOD_BURST, FLOOD_CUT_AFTER, FLOOD_RATE_PER_S, FloodRate } from '../mesh/flood-rate.js';

test('a burst passes, then only the steady rate, then the neighbour is cut', () => {
  const rate = new FloodRate(0);
  const verdicts = Array.from({ length: 5000 }, (_, i) => rate.take(i / 10)); // 5000 requests in 0.5 s
  const passed = verdicts.filter((v) => v === 'pass').length;
  assert.ok(passed <= FLOOD_BURST + FLOOD_RATE_PER_S, `${passed} passed`);
  assert.ok(passed >= FLOOD_BURST);
  const firstCut = verdicts.indexOf('cut');
  assert.ok(firstCut > 0 && firstCut <= FLOOD_BURST + FLOOD_CUT_AFTER + FLOOD_RATE_PER_S, `cut at ${firstCut}`);
});

test('a neighbour relaying a busy mesh at the steady rate is never dropped', () => {
  const rate = new FloodRate(0);
  for (let i = 0; i < 2000; i++) assert.is(rate.take((i * 1000) / FLOOD_RATE_PER_S), 'pass');
});

test.run();
