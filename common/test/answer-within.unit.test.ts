import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { answerWithin } from '../answer-within.js';

test('an answer in time is returned; a late or missing one is undefined after the wait', async () => {
  assert.is(await answerWithin(Promise.resolve(7), 50), 7);
  assert.is(await answerWithin(new Promise<number>((r) => setTimeout(() => r(7), 200)), 20), undefined);
  const started = Date.now();
  assert.is(await answerWithin(new Promise<number>(() => {}), 30), undefined);
  assert.ok(Date.now() - started < 1000);
});

test.run();
