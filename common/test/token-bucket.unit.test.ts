import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { burstFor, MAX_BURST_BYTES, TokenBucket } from '../token-bucket.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Takes `chunk` bytes at a time for `ms` of real time; returns the bytes that passed and the seconds it took. */
async function drain(bucket: TokenBucket, chunk: number, ms: number): Promise<{ passed: number; seconds: number }> {
  const start = performance.now();
  let passed = 0;
  while (performance.now() - start < ms) {
    const granted = bucket.take(chunk);
    if (granted !== true) await granted;
    passed += chunk;
  }
  return { passed, seconds: (performance.now() - start) / 1000 };
}

test('without a rate everything passes at once', () => {
  const bucket = new TokenBucket();
  assert.is(bucket.take(1e12), true);
  assert.is(bucket.limit, null);
});

test('the burst is a fifth of a second of the rate, at most 4 MiB, with no floor', () => {
  assert.is(burstFor(1_000_000), 200_000);
  assert.is(burstFor(100_000), 20_000);
  assert.is(burstFor(20_000), 4_000);
  assert.is(burstFor(1e9), MAX_BURST_BYTES);
});

/** A fake clock and its timers: `run` fires them in time order, letting promises settle between them. */
class FakeTime {
  now = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  private next = 0;
  readonly api = {
    set: (fn: () => void, ms: number): unknown => (this.timers.set(++this.next, { at: this.now + ms, fn }), this.next),
    clear: (timer: unknown) => void this.timers.delete(timer as number),
  };

  /** Fires timers in order until `done` settles. */
  async run(done: Promise<unknown>): Promise<void> {
    let finished = false;
    void done.finally(() => (finished = true));
    while (!finished) {
      await new Promise((r) => setImmediate(r));
      const [id, first] = [...this.timers].sort((a, b) => a[1].at - b[1].at)[0] ?? [];
      if (id === undefined || !first) continue;
      this.timers.delete(id);
      this.now = Math.max(this.now, first.at);
      first.fn();
    }
  }
}

/** The bytes granted in the first `seconds` after idle at `rate`, taking `chunk` bytes at a time (fake clock). */
async function firstSeconds(rate: number, chunk: number, seconds: number): Promise<number> {
  const time = new FakeTime();
  const bucket = new TokenBucket({ rate, now: () => time.now, timers: time.api });
  let passed = 0;
  const taking = (async () => {
    while (time.now < seconds * 1000) {
      const granted = bucket.take(chunk);
      if (granted !== true) await granted;
      if (time.now < seconds * 1000) passed += chunk;
    }
  })();
  await time.run(taking);
  bucket.stop();
  return passed;
}

test('a low cap holds within 10% over the first 10 s after idle (20 kB/s; 16 KiB reads and 64 KiB slices)', async () => {
  const reads = await firstSeconds(20_000, 16 * 1024, 10);
  assert.ok(
    reads <= 200_000 * 1.1,
    `16 KiB reads: ${reads} bytes in 10 s, ${((reads / 200_000 - 1) * 100).toFixed(1)}% over`,
  );
  assert.ok(reads >= 200_000 * 0.8, `16 KiB reads: only ${reads} bytes in 10 s`);
  const small = await firstSeconds(20_000, 1_000, 10);
  assert.ok(small <= 200_000 * 1.1, `1 kB takes: ${small} bytes in 10 s`);
  // A 64 KiB write slice (common/channel.ts) is bigger than this burst (4 kB): it still passes, whole, into debt.
  const slices = await firstSeconds(100_000, 64 * 1024, 10);
  assert.ok(slices <= 1_000_000 * 1.1, `64 KiB slices at 100 kB/s: ${slices} bytes in 10 s`);
  assert.ok(slices >= 1_000_000 * 0.8, `64 KiB slices at 100 kB/s: only ${slices} bytes in 10 s`);
});

test('a full bucket grants its burst at once, then waiters wait for the rate, in arrival order', () => {
  let now = 0;
  const bucket = new TokenBucket({ rate: 1000, burst: () => 100, now: () => now });
  assert.is(bucket.take(60), true);
  assert.is(bucket.take(40), true);
  const order: string[] = [];
  const a = bucket.take(50);
  const b = bucket.take(10);
  assert.ok(a instanceof Promise && b instanceof Promise, 'empty: both wait');
  void a.then(() => order.push('a'));
  void b.then(() => order.push('b'));
  assert.is(bucket.queued, 2);
  bucket.stop();
  return Promise.resolve().then(() => assert.equal(order, ['a', 'b']));
});

test('a take bigger than the burst passes once a burst is saved, and the debt is paid before the next', () => {
  let now = 0;
  const bucket = new TokenBucket({ rate: 1000, burst: () => 100, now: () => now });
  assert.is(bucket.take(500), true, 'a full burst lets a big take through');
  now = 400; // 400 tokens back: still 0 after the 400 owed
  const next = bucket.take(1);
  assert.ok(next instanceof Promise);
  bucket.stop();
});

test('over time no more than the rate passes (real timers, 50 KB/s for 0.4 s)', async () => {
  const bucket = new TokenBucket({ rate: 50_000, burst: () => 5_000 });
  const { passed, seconds } = await drain(bucket, 1_000, 400);
  const rate = (passed - 5_000) / seconds; // the first burst was saved up
  assert.ok(rate > 40_000 && rate < 56_000, `${rate} bytes/s`);
});

test('setRate applies to those waiting: a higher rate lets them go sooner, null at once', async () => {
  const bucket = new TokenBucket({ rate: 100_000, burst: () => 1_000 });
  assert.is(bucket.take(1_000), true);
  const waiting = bucket.take(100_000); // needs 1000 tokens back: 10 ms at 100 KB/s, owes a second after
  assert.ok(waiting instanceof Promise);
  await waiting;
  const slow = bucket.take(1_000); // owes about a second at this rate
  assert.ok(slow instanceof Promise);
  const t0 = performance.now();
  bucket.setRate(null);
  await slow;
  assert.ok(performance.now() - t0 < 50, 'lifted: released at once');
  bucket.setRate(10_000_000);
  assert.is(bucket.take(1_000), true, 'a new cap starts with a burst, not the old debt');
  bucket.setRate(1_000_000);
  const { passed, seconds } = await drain(bucket, 10_000, 200);
  const rate = passed / seconds;
  assert.ok(rate < 1_000_000 * 1.6 && rate > 700_000, `${rate} bytes/s after the change`);
  await sleep(1);
});

test('stop releases every waiter', async () => {
  const bucket = new TokenBucket({ rate: 1_000, burst: () => 10 });
  bucket.take(10);
  const waits = [bucket.take(10), bucket.take(10)];
  bucket.stop();
  await Promise.all(waits);
  assert.is(bucket.queued, 0);
});

test.run();
