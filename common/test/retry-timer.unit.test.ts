import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RetryTimer } from '../retry-timer.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('waits longer after each try, repeating the last delay', async () => {
  let calls = 0;
  const timer = new RetryTimer(() => calls++, { backoffs: [5, 10, 20], jitter: 0 });
  const delays = [timer.schedule(), timer.schedule(), timer.schedule(), timer.schedule()];
  assert.equal(delays, [5, 10, 20, 20]);
  await sleep(60);
  assert.is(calls, 1, 'a new schedule replaces the pending one');
  timer.stop();
});

test('calls the function after the delay it returned', async () => {
  let at = 0;
  const started = Date.now();
  const timer = new RetryTimer(() => (at = Date.now()), { backoffs: [20], jitter: 0 });
  timer.schedule();
  await sleep(60);
  assert.ok(at - started >= 18, `called after ${at - started} ms`);
  timer.stop();
});

test('reset starts again from the shortest delay and cancels the pending try', async () => {
  let calls = 0;
  const timer = new RetryTimer(() => calls++, { backoffs: [5, 50], jitter: 0 });
  timer.schedule();
  timer.schedule();
  timer.reset();
  await sleep(70);
  assert.is(calls, 0);
  assert.is(timer.schedule(), 5);
  timer.stop();
});

test('jitter adds at most its fraction of the delay', () => {
  const timer = new RetryTimer(() => undefined, { backoffs: [100], jitter: 0.5 });
  for (let i = 0; i < 50; i++) {
    const d = timer.schedule();
    assert.ok(d >= 100 && d <= 150, `delay ${d}`);
  }
  timer.stop();
});

test('a stopped timer never calls again and schedules nothing', async () => {
  let calls = 0;
  const timer = new RetryTimer(() => calls++, { backoffs: [5], jitter: 0 });
  timer.schedule();
  timer.stop();
  assert.is(timer.schedule(), 0);
  await sleep(30);
  assert.is(calls, 0);
});

test.run();
