import { Worker } from 'node:worker_threads';
import { P2pError } from '../../common/errors.js';
import type { HashReply, HashRequest } from './hash-worker.js';

type Ok = HashReply & { ok: true };
type Pending = { resolve: (r: Ok) => void; reject: (e: Error) => void };
type RequestBody = HashRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** A download session on the hashing thread (see hash-worker.ts). */
export interface HashSession {
  readonly id: number;
  /** True when the partial file was found and its held pieces kept. */
  readonly resumed: boolean;
}

/**
 * The peer's hashing thread (hash-worker.ts), started on first use and answering in order. Disk errors come back as
 * P2pError with the errno code in the message (`ENOSPC`: the disk is full). `stop()` is idempotent.
 */
export class Hasher {
  private worker: Worker | undefined;
  private nextId = 1;
  private nextSession = 1;
  private readonly pending = new Map<number, Pending>();
  private stopped = false;

  /** SHA-256 of a file on disk and of each of its pieces. */
  async digestFile(path: string, pieceSize: number): Promise<{ sha256: string; pieces: Buffer; prefixes: Buffer; size: number }> {
    const r = await this.request({ op: 'digest-file', path, pieceSize });
    return { sha256: r.sha256!, pieces: Buffer.from(r.pieces!), prefixes: Buffer.from(r.prefixes!), size: r.size! };
  }

  /** Opens (or, with a bitfield of held pieces, resumes) the partial file of a download. */
  async open(path: string, size: number, pieceSize: number, hashes: Buffer, prefixes: Buffer, have?: Uint8Array): Promise<HashSession> {
    const session = this.nextSession++;
    const hashCopy = new Uint8Array(hashes).buffer;
    const prefixCopy = new Uint8Array(prefixes).buffer;
    const haveCopy = have ? new Uint8Array(have).buffer : new ArrayBuffer(0);
    const r = await this.request({ op: 'open', session, path, size, pieceSize, hashes: hashCopy, prefixes: prefixCopy, have: haveCopy }, [hashCopy, prefixCopy, haveCopy]);
    return { id: session, resumed: r.resumed === true };
  }

  /**
   * Checks piece `index` (already written to the partial file) against its hash and, when it matches, marks it held.
   * The piece's memory is handed over without a copy when `owned` (the frame decoder allocated it for this frame
   * alone, and nothing else uses it any more); otherwise it is copied.
   */
  async verify(session: HashSession, index: number, data: Buffer, owned: boolean): Promise<boolean> {
    let view: Uint8Array;
    let transfer: ArrayBuffer[] = [];
    if (owned) {
      view = new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
      transfer = [data.buffer as ArrayBuffer];
    } else {
      view = new Uint8Array(data); // the bytes live in a buffer shared with other frames
    }
    const r = await this.request({ op: 'verify', session: session.id, index, data: view }, transfer);
    return r.pieceOk === true;
  }

  /** With every piece held: the whole file's SHA-256. */
  async finish(session: HashSession): Promise<string | undefined> {
    return (await this.request({ op: 'finish', session: session.id })).sha256;
  }

  /** Re-checks every piece on disk; returns (and forgets) the ones that no longer match. */
  async rescan(session: HashSession): Promise<number[]> {
    return (await this.request({ op: 'rescan', session: session.id })).bad ?? [];
  }

  /** Closes a session, flushing the file to disk first when `sync`. */
  async close(session: HashSession, sync: boolean): Promise<void> {
    await this.request({ op: 'close', session: session.id, sync });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    void this.worker?.terminate();
    for (const p of this.pending.values()) p.reject(new Error('hasher stopped'));
    this.pending.clear();
  }

  private request(body: RequestBody, transfer: ArrayBuffer[] = []): Promise<Ok> {
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
      else p.reject(new P2pError('P2P_ERR_TRANSFER', reply.code === 'ENOSPC' ? `the disk is full (${reply.error})` : reply.error));
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
