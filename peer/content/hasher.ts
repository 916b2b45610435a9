import { Worker } from 'node:worker_threads';
import { P2pError } from '../../common/errors.js';
import type { Bitfield } from './bitfield.js';
import type { HashReply, HashRequest, ManifestFields } from './hash-worker.js';
import type { Manifest } from './manifest.js';

type Ok = HashReply & { ok: true };
type Pending = { resolve: (r: Ok) => void; reject: (e: Error) => void };
type RequestBody = HashRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** A download session on the hashing thread (see hash-worker.ts). */
export interface HashSession {
  readonly id: number;
  /** Pieces of `recheck` that were found whole on disk: now held. */
  readonly recovered: number[];
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

  /** The manifest of a file on disk: its SHA-256 and the SHA-256 of each piece (and of each prefix). */
  async digestFile(path: string, pieceSize: number): Promise<Manifest> {
    const m = (await this.request({ op: 'digest-file', path, pieceSize })).manifest!;
    return {
      size: m.size,
      sha256: m.sha256,
      pieceSize: m.pieceSize,
      pieces: pooled(m.pieces),
      prefixes: pooled(m.prefixes),
    };
  }

  /**
   * Starts checking the pieces of a download whose partial file (created by partial-file.ts) is at `path`. `have`:
   * pieces already held (a resume); `recheck`: pieces written by an earlier run but not confirmed, checked from disk
   * first (those that match come back in `recovered`).
   */
  async open(path: string, manifest: Manifest, have: Bitfield, recheck: readonly number[] = []): Promise<HashSession> {
    const session = this.nextSession++;
    const fields: ManifestFields = {
      size: manifest.size,
      sha256: manifest.sha256,
      pieceSize: manifest.pieceSize,
      pieces: new Uint8Array(manifest.pieces).buffer,
      prefixes: new Uint8Array(manifest.prefixes).buffer,
    };
    const haveCopy = new Uint8Array(have.bytes).buffer;
    const r = await this.request(
      { op: 'open', session, path, manifest: fields, have: haveCopy, recheck: [...recheck] },
      [fields.pieces, fields.prefixes, haveCopy],
    );
    return { id: session, recovered: r.recovered ?? [] };
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

  /** Ends a session (the hashing thread closes its read-only handle). */
  async close(session: HashSession): Promise<void> {
    await this.request({ op: 'close', session: session.id });
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
      else
        p.reject(
          new P2pError('P2P_ERR_TRANSFER', reply.code === 'ENOSPC' ? `the disk is full (${reply.error})` : reply.error),
        );
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

/**
 * A manifest's digests as a Buffer: small ones (a file of a few pieces) copied into Node's shared pool, so a digest
 * cache of 100,000 small files does not hold 200,000 separate backing stores (docs/performance.md "Shared trees").
 */
function pooled(digests: ArrayBuffer): Buffer {
  return digests.byteLength <= 1024 ? Buffer.from(new Uint8Array(digests)) : Buffer.from(digests);
}
