import { isMainThread } from 'node:worker_threads';

/**
 * The registry's mutex on one Int32 word of its shared buffer (shared-registry.ts): the three-state futex lock of
 * Drepper's "Futexes Are Tricky" (0 free, 1 held, 2 held with waiters). Only workers may block: on the main thread a
 * contended lock throws instead of freezing the event loop (docs/PLATFORM.md), which in-process unit tests never hit
 * because nothing else holds it there.
 */

/**
 * Longest single Atomics.wait before re-checking the lock word. The futex protocol needs no timeout; the slice
 * only bounds how long a lost wake-up (which should never happen) could stall a worker.
 */
const LOCK_WAIT_SLICE_MS = 50;

export function lockFutex(a: Int32Array, word: number): void {
  let c = Atomics.compareExchange(a, word, 0, 1);
  if (c === 0) return;
  if (isMainThread) throw new Error('the main thread must never wait for the registry lock');
  if (c !== 2) c = Atomics.exchange(a, word, 2);
  while (c !== 0) {
    Atomics.wait(a, word, 2, LOCK_WAIT_SLICE_MS);
    c = Atomics.exchange(a, word, 2);
  }
}

export function unlockFutex(a: Int32Array, word: number): void {
  if (Atomics.sub(a, word, 1) !== 1) {
    Atomics.store(a, word, 0);
    Atomics.notify(a, word, 1);
  }
}
