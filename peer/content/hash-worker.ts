/**
 * Worker thread that does the hashing so the thread receiving from sockets never waits on SHA-256 (measured:
 * receive + hash + write on one thread reaches only ~0.56× of a plain pipe, docs/performance.md). It only reads
 * files and hashes them; the partial file (partial-file.ts) is created, written, flushed and renamed by the main
 * thread alone.
 *
 * - `digest-file`: one read of a file producing its manifest (SHA-256, piece hashes, prefix digests).
 * - download sessions: the receiving thread writes a piece at its offset in the partial file, then hands it here
 *   (without a copy); it is checked against its own SHA-256 and marked held. Writing and hashing thus run on two
 *   threads at once (the receiving thread and this one). A running SHA-256 of the whole file advances along the contiguous
 *   prefix of held pieces (from the piece's memory when it is next, else read back from disk), so the file's hash is
 *   known when the last piece lands. A piece that does not match is never marked held: its bytes on disk are
 *   overwritten when it is fetched again. A resumed session first checks, from disk, the few pieces the last run
 *   wrote but had not confirmed (`recheck`), then catches up on its held prefix in the background, a few pieces per
 *   turn, so new pieces keep flowing meanwhile (no full re-hash before resuming).
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { Bitfield } from './bitfield.js';
import type { Manifest } from './manifest.js';

/** A manifest as it crosses to this thread: the digests as transferable memory. */
export type ManifestFields = Omit<Manifest, 'pieces' | 'prefixes'> & { pieces: ArrayBuffer; prefixes: ArrayBuffer };

export type HashRequest =
  | { op: 'digest-file'; id: number; path: string; pieceSize: number }
  | {
      op: 'open';
      id: number;
      session: number;
      path: string;
      manifest: ManifestFields;
      have: ArrayBuffer;
      recheck: number[];
    }
  | { op: 'verify'; id: number; session: number; index: number; data: Uint8Array }
  | { op: 'finish'; id: number; session: number }
  | { op: 'close'; id: number; session: number }
  | { op: 'rescan'; id: number; session: number };

export type HashReply =
  | {
      id: number;
      ok: true;
      manifest?: ManifestFields;
      sha256?: string;
      pieceOk?: boolean;
      bad?: number[];
      recovered?: number[];
    }
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
  have: Bitfield;
  running: Hash;
  /** Pieces [0, frontier) are folded into `running`. */
  frontier: number;
  scratch: Buffer | undefined;
  pumping: boolean;
}
const sessions = new Map<number, Session>();

const pieceLength = (s: Session, i: number) => Math.min(s.pieceSize, s.size - i * s.pieceSize);
const digestAt = (packed: Buffer, i: number) => packed.subarray(i * 32, i * 32 + 32);

function digestFile(path: string, pieceSize: number): ManifestFields {
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
    return { size, sha256: whole.digest('hex'), pieceSize, pieces: pieces.buffer, prefixes: prefixes.buffer };
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

/** Piece `i` from disk, or undefined when the file ends before it (a piece never written). */
function tryReadPiece(s: Session, i: number): Buffer | undefined {
  try {
    return readPiece(s, i);
  } catch {
    return undefined;
  }
}

/** Folds held pieces (read back from disk) into the running hash, up to `limit` pieces. */
/** Returns false when a held piece could not be read (the fold stops there until a rescan). */
function advance(s: Session, limit: number): boolean {
  for (let n = 0; n < limit && s.frontier < s.count && s.have.has(s.frontier); n++) {
    // A held piece that cannot be read (a damaged partial file) stops the running hash here: the whole file then
    // does not match, and the rescan finds the piece bad. It must not throw: that would end this thread for every
    // download.
    const piece = tryReadPiece(s, s.frontier);
    if (!piece) return false;
    s.running.update(piece);
    s.frontier++;
  }
  return true;
}

/** Background catch-up of a resumed prefix: a few pieces per turn so writes interleave. */
function pump(sessionId: number): void {
  const s = sessions.get(sessionId);
  if (!s || s.pumping) return;
  s.pumping = true;
  setImmediate(function step() {
    const cur = sessions.get(sessionId);
    if (!cur) return;
    const readable = advance(cur, CATCH_UP_PER_TURN);
    if (readable && cur.frontier < cur.count && cur.have.has(cur.frontier)) setImmediate(step);
    else cur.pumping = false;
  });
}

function handle(req: HashRequest): HashReply {
  switch (req.op) {
    case 'digest-file':
      return { id: req.id, ok: true, manifest: digestFile(req.path, req.pieceSize) };
    case 'open': {
      const { size, pieceSize } = req.manifest;
      const count = Math.ceil(size / pieceSize);
      // Read-only: the main thread owns the partial file (created it, writes it, flushes and renames it).
      const fd = openSync(req.path, 'r');
      const s: Session = {
        fd,
        size,
        pieceSize,
        count,
        hashes: Buffer.from(req.manifest.pieces),
        prefixes: Buffer.from(req.manifest.prefixes),
        have: new Bitfield(count, new Uint8Array(req.have)),
        running: createHash('sha256'),
        frontier: 0,
        scratch: undefined,
        pumping: false,
      };
      sessions.set(req.session, s);
      // Pieces the last run wrote but had not confirmed: checked from disk now (a few at most), not fetched again.
      const recovered: number[] = [];
      for (const i of req.recheck) {
        if (i >= count || s.have.has(i)) continue;
        const piece = tryReadPiece(s, i);
        if (piece && createHash('sha256').update(piece).digest().equals(digestAt(s.hashes, i))) {
          s.have.set(i);
          recovered.push(i);
        }
      }
      if (s.have.count > 0) pump(req.session);
      return { id: req.id, ok: true, recovered };
    }
    case 'verify': {
      const s = sessions.get(req.session);
      if (!s) throw new Error(`no download session ${req.session}`);
      if (s.have.has(req.index)) return { id: req.id, ok: true, pieceOk: true }; // a duplicate (endgame): already held
      if (req.index === s.frontier) {
        // The next piece in order: one hash pass both checks it (against its prefix digest) and extends the whole
        // file's hash. It is tried on a copy, so a bad piece leaves the running hash untouched.
        const trial = s.running.copy().update(req.data);
        if (!trial.copy().digest().equals(digestAt(s.prefixes, req.index)))
          return { id: req.id, ok: true, pieceOk: false };
        s.running = trial;
        s.frontier++;
        s.have.set(req.index);
        advance(s, Infinity);
        return { id: req.id, ok: true, pieceOk: true };
      }
      // Out of order (another source, or a resumed prefix still catching up): checked on its own. The running hash
      // reads it back when the prefix reaches it: the in-order branch above, the resume pump, or finish/close. It
      // must not catch up here: that would fold a whole resumed prefix in one turn, the stall the pump avoids.
      const digest = createHash('sha256').update(req.data).digest();
      if (!digest.equals(digestAt(s.hashes, req.index))) return { id: req.id, ok: true, pieceOk: false };
      s.have.set(req.index);
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
      closeSync(s.fd);
      return { id: req.id, ok: true };
    }
    case 'rescan': {
      // The whole file did not hash right although every piece did on arrival (the disk lost a write?): find the
      // pieces that no longer match, so only they are fetched again.
      const s = sessions.get(req.session);
      if (!s) throw new Error(`no download session ${req.session}`);
      const bad: number[] = [];
      for (let i = 0; i < s.count; i++) {
        const piece = tryReadPiece(s, i);
        if (!piece || !createHash('sha256').update(piece).digest().equals(digestAt(s.hashes, i))) {
          bad.push(i);
          s.have.clear(i);
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
    reply = {
      id: req.id,
      ok: false,
      error: e instanceof Error ? e.message : String(err),
      ...(e?.code ? { code: e.code } : {}),
    };
  }
  if (reply.ok && reply.manifest) parentPort!.postMessage(reply, [reply.manifest.pieces, reply.manifest.prefixes]);
  else parentPort!.postMessage(reply);
});
