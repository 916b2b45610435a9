import { Worker } from 'node:worker_threads';
import type { HashReply, HashRequest } from './hash-worker.js';

type Pending = { resolve: (r: HashReply & { ok: true }) => void; reject: (e: Error) => void };
type RequestBody = HashRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * The peer's hashing thread (hash-worker.ts), started on first use. Requests are answered in order, which is what
 * keeps a download's running hash consistent. `stop()` terminates the thread; it is idempotent.
 */
export class Hasher {
  private worker: Worker | undefined;
  private nextId = 1;
  private nextSession = 1;
  private readonly pending = new Map<number, Pending>();
  private stopped = false;

  /** SHA-256 and prefix digests of a file on disk. */
  async digestFile(path: string, pieceSize: number): Promise<{ sha256: string; digests: Buffer; size: number }> {
    const r = await this.request({ op: 'digest-file', path, pieceSize });
    return { sha256: r.sha256!, digests: Buffer.from(r.digests!), size: r.size! };
  }

  /** Opens a download session writing `path`; pieces must then be written in order. */
  async open(path: string, digests: Buffer, pieceSize: number): Promise<number> {
    const session = this.nextSession++;
    const copy = new Uint8Array(digests).buffer;
    await this.request({ op: 'open', session, path, digests: copy, pieceSize }, [copy]);
    return session;
  }

  /**
   * Writes piece `index` and checks it against its prefix digest. The piece's memory is handed to the worker
   * without a copy when `data` owns its whole ArrayBuffer; `owned` says it does and may be detached.
   */
  async write(session: number, index: number, data: Buffer, owned: boolean): Promise<boolean> {
    let view: Uint8Array;
    let transfer: ArrayBuffer[] = [];
    if (owned && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) {
      view = new Uint8Array(data.buffer as ArrayBuffer);
      transfer = [data.buffer as ArrayBuffer];
    } else if (owned) {
      // The frame decoder allocated the frame body (header + data) as one ArrayBuffer that nothing else holds:
      // hand it over whole and let the view select the data.
      view = new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
      transfer = [data.buffer as ArrayBuffer];
    } else {
      view = new Uint8Array(data); // copy: the bytes live in a buffer shared with other frames
    }
    const r = await this.request({ op: 'write', session, index, data: view }, transfer);
    return r.pieceOk === true;
  }

  /** Closes a session; returns the SHA-256 of everything written. */
  async close(session: number, sync: boolean): Promise<string | undefined> {
    const r = await this.request({ op: 'close', session, sync });
    return r.sha256;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    void this.worker?.terminate();
    for (const p of this.pending.values()) p.reject(new Error('hasher stopped'));
    this.pending.clear();
  }

  private request(body: RequestBody, transfer: ArrayBuffer[] = []): Promise<HashReply & { ok: true }> {
    if (this.stopped) return Promise.reject(new Error('hasher stopped'));
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...body, id } as HashRequest, transfer);
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./hash-worker.js', import.meta.url));
    worker.unref(); // the peer's sockets keep the process alive, not its hashing thread
    worker.on('message', (reply: HashReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply);
      else p.reject(new Error(reply.error));
    });
    worker.on('error', (err) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      this.worker = undefined;
    });
    this.worker = worker;
    return worker;
  }
}
