/**
 * Worker thread that does the hashing (and, for downloads, the writing) so the thread receiving from the socket
 * never waits on SHA-256 (issue 2: Node's receive + hash + write on one thread reaches only ~0.56× of a plain pipe).
 *
 * Two jobs:
 * - `digest-file`: one pass over a file with large reads, producing its SHA-256 and the prefix digests: for each
 *   piece, the SHA-256 of the file from its start to the end of that piece (docs/PROTOCOL.md#pieces).
 * - download sessions: pieces arrive in order (`write`); each is written at its offset in the partial file and
 *   folded into a running hash whose state at the piece's end must equal that piece's prefix digest. One hash pass
 *   checks every piece and, at the last one, the whole file.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, writeSync, fsyncSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

export type HashRequest =
  | { op: 'digest-file'; id: number; path: string; pieceSize: number }
  | { op: 'open'; id: number; session: number; path: string; digests: ArrayBuffer; pieceSize: number }
  | { op: 'write'; id: number; session: number; index: number; data: Uint8Array }
  | { op: 'close'; id: number; session: number; sync: boolean };

export type HashReply =
  | { id: number; ok: true; sha256?: string; digests?: ArrayBuffer; size?: number; pieceOk?: boolean }
  | { id: number; ok: false; error: string };

const READ_BYTES = 4 * 1024 * 1024;

interface Session {
  fd: number;
  hash: Hash;
  digests: Buffer;
  pieceSize: number;
}
const sessions = new Map<number, Session>();

function digestFile(path: string, pieceSize: number): { sha256: string; digests: ArrayBuffer; size: number } {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const pieces = Math.ceil(size / pieceSize);
    const digests = new Uint8Array(pieces * 32);
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(Math.max(READ_BYTES, pieceSize));
    let position = 0;
    for (let i = 0; i < pieces; i++) {
      const end = Math.min(size, (i + 1) * pieceSize);
      while (position < end) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, end - position), position);
        if (n === 0) throw new Error(`${path} shrank while being hashed`);
        hash.update(buf.subarray(0, n));
        position += n;
      }
      digests.set(hash.copy().digest(), i * 32);
    }
    return { sha256: hash.digest('hex'), digests: digests.buffer, size };
  } finally {
    closeSync(fd);
  }
}

function handle(req: HashRequest): HashReply {
  switch (req.op) {
    case 'digest-file':
      return { id: req.id, ok: true, ...digestFile(req.path, req.pieceSize) };
    case 'open': {
      const fd = openSync(req.path, 'w');
      sessions.set(req.session, { fd, hash: createHash('sha256'), digests: Buffer.from(req.digests), pieceSize: req.pieceSize });
      return { id: req.id, ok: true };
    }
    case 'write': {
      const s = sessions.get(req.session);
      if (!s) throw new Error(`no download session ${req.session}`);
      const data = req.data;
      let written = 0;
      while (written < data.length) {
        written += writeSync(s.fd, data, written, data.length - written, req.index * s.pieceSize + written);
      }
      s.hash.update(data);
      const got = s.hash.copy().digest();
      const want = s.digests.subarray(req.index * 32, req.index * 32 + 32);
      return { id: req.id, ok: true, pieceOk: got.equals(want) };
    }
    case 'close': {
      const s = sessions.get(req.session);
      if (!s) return { id: req.id, ok: true };
      sessions.delete(req.session);
      try {
        if (req.sync) fsyncSync(s.fd);
        return { id: req.id, ok: true, sha256: s.hash.digest('hex') };
      } finally {
        closeSync(s.fd);
      }
    }
  }
}

parentPort!.on('message', (req: HashRequest) => {
  let reply: HashReply;
  try {
    reply = handle(req);
  } catch (err) {
    reply = { id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  if (reply.ok && reply.digests) parentPort!.postMessage(reply, [reply.digests]);
  else parentPort!.postMessage(reply);
});
