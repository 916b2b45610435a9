/**
 * Worker thread that does the hashing (and, for downloads, the writing) so the thread receiving from sockets never
 * waits on SHA-256 (issue 2: receive + hash + write on one thread reaches only ~0.56× of a plain pipe).
 *
 * - `digest-file`: one read of a file producing its SHA-256 and the SHA-256 of every piece.
 * - download sessions: the receiving thread writes a piece at its offset in the partial file, then hands it here
 *   (without a copy); it is checked against its own SHA-256 and marked held. Writing and hashing thus run on two
 *   threads at once (libuv's pool and this one). A running SHA-256 of the whole file advances along the contiguous
 *   prefix of held pieces (from the piece's memory when it is next, else read back from disk), so the file's hash is
 *   known when the last piece lands. A piece that does not match is never marked held: its bytes on disk are
 *   overwritten when it is fetched again. A resumed session catches up on its held prefix in the background, a few
 *   pieces per turn, so new pieces keep flowing meanwhile (issue 4: no full re-hash before resuming).
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

export type HashRequest =
  | { op: 'digest-file'; id: number; path: string; pieceSize: number }
  | { op: 'open'; id: number; session: number; path: string; size: number; pieceSize: number; hashes: ArrayBuffer; prefixes: ArrayBuffer; have: ArrayBuffer }
  | { op: 'verify'; id: number; session: number; index: number; data: Uint8Array }
  | { op: 'finish'; id: number; session: number }
  | { op: 'close'; id: number; session: number; sync: boolean }
  | { op: 'rescan'; id: number; session: number };

export type HashReply =
  | { id: number; ok: true; sha256?: string; pieces?: ArrayBuffer; prefixes?: ArrayBuffer; size?: number; pieceOk?: boolean; bad?: number[]; resumed?: boolean }
  | { id: number; ok: false; error: string; code?: string };

const READ_BYTES = 4 * 1024 * 1024;
/** Pieces of a resumed prefix hashed per turn of the worker's event loop, between other requests. */
const CATCH_UP_PER_TURN = 4;

interface Session {
  fd: number;
  size: number;
  pieceSize: number;
  count: number;
  hashes: Buffer;
  /** Prefix digests: SHA-256 of the file up to the end of each piece. */
  prefixes: Buffer;
  have: Uint8Array;
  running: Hash;
  /** Pieces [0, frontier) are folded into `running`. */
  frontier: number;
  scratch: Buffer | undefined;
  pumping: boolean;
}
const sessions = new Map<number, Session>();

const pieceLength = (s: Session, i: number) => Math.min(s.pieceSize, s.size - i * s.pieceSize);
const has = (have: Uint8Array, i: number) => (have[i >> 3]! & (1 << (i & 7))) !== 0;
const mark = (have: Uint8Array, i: number) => (have[i >> 3]! |= 1 << (i & 7));

function digestFile(path: string, pieceSize: number): { sha256: string; pieces: ArrayBuffer; prefixes: ArrayBuffer; size: number } {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const count = Math.ceil(size / pieceSize);
    const pieces = new Uint8Array(count * 32);
    const prefixes = new Uint8Array(count * 32);
    const whole = createHash('sha256');
    const buf = Buffer.allocUnsafe(Math.max(READ_BYTES, pieceSize));
    let position = 0;
    for (let i = 0; i < count; i++) {
      const end = Math.min(size, (i + 1) * pieceSize);
      const piece = createHash('sha256');
      while (position < end) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, end - position), position);
        if (n === 0) throw new Error(`${path} shrank while being hashed`);
        whole.update(buf.subarray(0, n));
        piece.update(buf.subarray(0, n));
        position += n;
      }
      pieces.set(piece.digest(), i * 32);
      prefixes.set(whole.copy().digest(), i * 32);
    }
    return { sha256: whole.digest('hex'), pieces: pieces.buffer, prefixes: prefixes.buffer, size };
  } finally {
    closeSync(fd);
  }
}

function readPiece(s: Session, i: number): Buffer {
  const length = pieceLength(s, i);
  s.scratch ??= Buffer.allocUnsafe(s.pieceSize);
  let got = 0;
  while (got < length) {
    const n = readSync(s.fd, s.scratch, got, length - got, i * s.pieceSize + got);
    if (n === 0) throw new Error(`piece ${i} is missing from the partial file`);
    got += n;
  }
  return s.scratch.subarray(0, length);
}

/** Folds held pieces (read back from disk) into the running hash, up to `limit` pieces. */
function advance(s: Session, limit: number): void {
  for (let n = 0; n < limit && s.frontier < s.count && has(s.have, s.frontier); n++) {
    s.running.update(readPiece(s, s.frontier));
    s.frontier++;
  }
}

/** Background catch-up of a resumed prefix: a few pieces per turn so writes interleave. */
function pump(sessionId: number): void {
  const s = sessions.get(sessionId);
  if (!s || s.pumping) return;
  s.pumping = true;
  setImmediate(function step() {
    const cur = sessions.get(sessionId);
    if (!cur) return;
    advance(cur, CATCH_UP_PER_TURN);
    if (cur.frontier < cur.count && has(cur.have, cur.frontier)) setImmediate(step);
    else cur.pumping = false;
  });
}

function handle(req: HashRequest): HashReply {
  switch (req.op) {
    case 'digest-file':
      return { id: req.id, ok: true, ...digestFile(req.path, req.pieceSize) };
    case 'open': {
      const count = Math.ceil(req.size / req.pieceSize);
      const resumed = req.have.byteLength > 0 && existsSync(req.path);
      // Not pre-sized: a piece written past the end extends the file (leaving a hole where pieces are missing).
      const fd = openSync(req.path, resumed ? 'r+' : 'w+');
      const have = new Uint8Array(Math.ceil(count / 8));
      if (resumed) have.set(new Uint8Array(req.have).subarray(0, have.length));
      sessions.set(req.session, {
        fd, size: req.size, pieceSize: req.pieceSize, count, hashes: Buffer.from(req.hashes), prefixes: Buffer.from(req.prefixes), have,
        running: createHash('sha256'), frontier: 0, scratch: undefined, pumping: false,
      });
      if (resumed) pump(req.session);
      return { id: req.id, ok: true, resumed };
    }
    case 'verify': {
      const s = sessions.get(req.session);
      if (!s) throw new Error(`no download session ${req.session}`);
      if (has(s.have, req.index)) return { id: req.id, ok: true, pieceOk: true }; // a duplicate (endgame): already held
      if (req.index === s.frontier) {
        // The next piece in order: one hash pass both checks it (against its prefix digest) and extends the whole
        // file's hash. It is tried on a copy, so a bad piece leaves the running hash untouched.
        const trial = s.running.copy().update(req.data);
        if (!trial.copy().digest().equals(s.prefixes.subarray(req.index * 32, req.index * 32 + 32))) return { id: req.id, ok: true, pieceOk: false };
        s.running = trial;
        s.frontier++;
        mark(s.have, req.index);
        advance(s, Infinity);
        return { id: req.id, ok: true, pieceOk: true };
      }
      // Out of order (another source, or a resumed prefix still catching up): checked on its own. The running hash
      // reads it back when the prefix reaches it: the in-order branch above, the resume pump, or finish/close. It
      // must not catch up here: that would fold a whole resumed prefix in one turn, the stall the pump avoids.
      const digest = createHash('sha256').update(req.data).digest();
      if (!digest.equals(s.hashes.subarray(req.index * 32, req.index * 32 + 32))) return { id: req.id, ok: true, pieceOk: false };
      mark(s.have, req.index);
      return { id: req.id, ok: true, pieceOk: true };
    }
    case 'finish': {
      // Every piece is held: fold what is left and report the whole file's SHA-256 (the session stays open).
      const s = sessions.get(req.session);
      if (!s) throw new Error(`no download session ${req.session}`);
      advance(s, Infinity);
      return { id: req.id, ok: true, ...(s.frontier === s.count ? { sha256: s.running.copy().digest('hex') } : {}) };
    }
    case 'close': {
      const s = sessions.get(req.session);
      if (!s) return { id: req.id, ok: true };
      sessions.delete(req.session);
      try {
        advance(s, Infinity);
        if (req.sync) fsyncSync(s.fd);
        return { id: req.id, ok: true, ...(s.frontier === s.count ? { sha256: s.running.digest('hex') } : {}) };
      } finally {
        closeSync(s.fd);
      }
    }
    case 'rescan': {
      // The whole file did not hash right although every piece did on arrival (the disk lost a write?): find the
      // pieces that no longer match, so only they are fetched again.
      const s = sessions.get(req.session);
      if (!s) throw new Error(`no download session ${req.session}`);
      const bad: number[] = [];
      for (let i = 0; i < s.count; i++) {
        const digest = createHash('sha256').update(readPiece(s, i)).digest();
        if (!digest.equals(s.hashes.subarray(i * 32, i * 32 + 32))) {
          bad.push(i);
          s.have[i >> 3] = s.have[i >> 3]! & ~(1 << (i & 7));
        }
      }
      // Start the whole-file hash again from the first piece; it catches up as pieces come back.
      s.running = createHash('sha256');
      s.frontier = 0;
      pump(req.session);
      return { id: req.id, ok: true, bad };
    }
  }
}

parentPort!.on('message', (req: HashRequest) => {
  let reply: HashReply;
  try {
    reply = handle(req);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    reply = { id: req.id, ok: false, error: e instanceof Error ? e.message : String(err), ...(e?.code ? { code: e.code } : {}) };
  }
  if (reply.ok && reply.pieces && reply.prefixes) parentPort!.postMessage(reply, [reply.pieces, reply.prefixes]);
  else parentPort!.postMessage(reply);
});
