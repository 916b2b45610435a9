import { Worker } from 'node:worker_threads';

/** What the pool posts to a worker thread, and what the thread posts back (one reply per task). */
export interface PoolTask<Req> {
  id: number;
  payload: Req;
}
export type PoolReply<Res> = { id: number; ok: true; value: Res } | { id: number; ok: false; error: string };

export interface WorkerPoolOptions {
  /** Number of threads. */
  size: number;
  /** The compiled worker script (docs/PLATFORM.md: workers start from compiled JS, never from .ts). */
  script: URL;
  /** Passed to every thread as `workerData` (a SharedArrayBuffer in it is shared, not copied). */
  workerData?: unknown;
  /** Bound on the wait for every thread to come online in `start()`. Default 10 000 ms. */
  startTimeoutMs?: number;
  /** Told when a thread died unexpectedly (it is replaced, and its in-flight tasks are rejected). */
  onWorkerError?: (err: Error) => void;
}

interface Slot {
  thread: Worker;
  inFlight: number;
  online: boolean;
}

interface Pending<Res> {
  resolve: (value: Res) => void;
  reject: (err: Error) => void;
  slot: Slot;
}

/**
 * A fixed pool of worker threads running one script. `run()` hands a task to the least busy thread and resolves
 * with its reply. A thread that dies is replaced; `stop()` terminates every thread and rejects what is pending.
 */
export class WorkerPool<Req, Res> {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending<Res>>();
  private nextId = 1;
  private stopped = false;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: WorkerPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1)
      throw new RangeError(`a pool needs 1 or more threads, not ${options.size}`);
  }

  get size(): number {
    return this.options.size;
  }

  /** Starts the threads and resolves once all are online (rejects after `startTimeoutMs`). */
  async start(): Promise<void> {
    const online = [];
    for (let i = 0; i < this.options.size; i++) online.push(this.spawn());
    const limit = this.options.startTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`worker threads did not start within ${limit} ms`)), limit);
    });
    try {
      await Promise.race([Promise.all(online), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  run(payload: Req): Promise<Res> {
    if (this.stopped) return Promise.reject(new Error('the worker pool is stopped'));
    if (this.slots.length === 0) return Promise.reject(new Error('no worker thread is running'));
    const slot = this.slots.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    const id = this.nextId++;
    return new Promise<Res>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, slot });
      slot.inFlight++;
      slot.thread.postMessage({ id, payload } satisfies PoolTask<Req>);
    });
  }

  /** Terminates every thread; pending tasks are rejected. Idempotent. */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopped = true;
    const err = new Error('the worker pool is stopped');
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.stopping = Promise.all(this.slots.map((s) => s.thread.terminate())).then(() => undefined);
    return this.stopping;
  }

  private spawn(): Promise<void> {
    const thread = new Worker(this.options.script, { workerData: this.options.workerData });
    const slot: Slot = { thread, inFlight: 0, online: false };
    this.slots.push(slot);
    thread.on('message', (reply: PoolReply<Res>) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      slot.inFlight--;
      if (reply.ok) p.resolve(reply.value);
      else p.reject(new Error(reply.error));
    });
    let failure: Error | undefined;
    thread.on('error', (err) => {
      failure = err;
    });
    thread.on('exit', (code) => {
      if (this.stopped) return;
      const err = failure ?? new Error(`a worker thread exited with code ${code}`);
      this.slots.splice(this.slots.indexOf(slot), 1);
      for (const [id, p] of this.pending) {
        if (p.slot !== slot) continue;
        this.pending.delete(id);
        p.reject(err);
      }
      this.options.onWorkerError?.(err);
      // Replace a thread that was working; one that never came online would only fail again (start() reports it).
      if (slot.online) this.spawn().catch(() => {});
    });
    return new Promise<void>((resolve, reject) => {
      thread.once('online', () => {
        slot.online = true;
        resolve();
      });
      thread.once('error', reject);
    });
  }
}
