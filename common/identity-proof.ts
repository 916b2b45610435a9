/**
 * The identity proof every connection runs after the mesh-key step and before its first frame (docs/PROTOCOL.md
 * "Identity proof"): each end proves that it holds the private key of the Ed25519 public key it names, by signing a
 * transcript that binds both public keys, a fresh nonce from each end and, in a keyed mesh, the TLS session's
 * exported keying material. So a signature can be neither replayed on another connection nor relayed from one: a
 * name, an id or a neighbour link cannot be taken over without the private key, in a keyed mesh and an open one.
 *
 * Three fixed-size binary messages (they exist before any frame, so nothing has to be parsed or bounded):
 * ```
 * dialler  → acceptor  "MSID" 1 | dialler's public key (32) | dialler's nonce (32)                      69 bytes
 * acceptor → dialler   "MSID" 1 | acceptor's public key (32) | acceptor's nonce (32) | signature (64) 133 bytes
 * dialler  → acceptor  "MSID" 1 | signature (64)                                                        69 bytes
 * ```
 * Each signs `role | "meshshare/1 identity" | binding | dialler key | dialler nonce | acceptor key | acceptor nonce`,
 * `role` being "acceptor" or "dialler", so one end's signature is never valid as the other's.
 *
 * May import: Node's standard library and `common/` mechanisms only.
 */
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { idOfPublicKey, PUBLIC_KEY_BYTES, SIGNATURE_BYTES, verifySignature, type SigningKey } from './signing-key.js';

const MAGIC = Buffer.from('MSID1', 'latin1');
const NONCE_BYTES = 32;
const BINDING_BYTES = 32;
const CONTEXT = Buffer.from('meshshare/1 identity', 'latin1');
const EXPORTER_LABEL = 'EXPORTER-meshshare-identity';
export const DIALLER_HELLO_BYTES = MAGIC.length + PUBLIC_KEY_BYTES + NONCE_BYTES;
export const ACCEPTOR_PROOF_BYTES = MAGIC.length + PUBLIC_KEY_BYTES + NONCE_BYTES + SIGNATURE_BYTES;
export const DIALLER_PROOF_BYTES = MAGIC.length + SIGNATURE_BYTES;

/** Who proved what at the far end of a connection. */
export interface ProvedIdentity {
  /** The far end's raw Ed25519 public key. */
  readonly publicKey: Buffer;
  /** The id derived from it (common/signing-key.ts `idOfPublicKey`). */
  readonly id: string;
}

/**
 * Why the proof failed: `not-proof` (the far end sent something else: another protocol, or a plain refusal),
 * `bad-signature`, `closed` (it went away first).
 */
export type ProofFailure = 'not-proof' | 'bad-signature' | 'closed';

export class IdentityProofError extends Error {
  constructor(
    readonly failure: ProofFailure,
    message: string,
    /** For `not-proof`: the bytes received instead (at most the first 64 KiB), for a caller that can read them. */
    readonly received?: Buffer,
  ) {
    super(message);
    this.name = 'IdentityProofError';
  }
}

/** The channel binding: the TLS session's exported keying material when keyed, zeros on a plain (open) stream. */
export function channelBinding(stream: Duplex): Buffer {
  if (stream instanceof TLSSocket) return stream.exportKeyingMaterial(BINDING_BYTES, EXPORTER_LABEL, Buffer.alloc(0));
  return Buffer.alloc(BINDING_BYTES);
}

function transcript(
  role: 'acceptor' | 'dialler',
  binding: Buffer,
  diallerKey: Buffer,
  diallerNonce: Buffer,
  acceptorKey: Buffer,
  acceptorNonce: Buffer,
): Buffer {
  return Buffer.concat([
    Buffer.from(role, 'latin1'),
    CONTEXT,
    binding,
    diallerKey,
    diallerNonce,
    acceptorKey,
    acceptorNonce,
  ]);
}

/** The dialling end: sends its key and nonce, checks the acceptor's proof, answers with its own. */
export async function proveDialled(stream: Duplex, me: SigningKey): Promise<ProvedIdentity> {
  const binding = channelBinding(stream);
  const myNonce = randomBytes(NONCE_BYTES);
  stream.write(Buffer.concat([MAGIC, me.publicKey, myNonce]));
  const reply = await readExactly(stream, ACCEPTOR_PROOF_BYTES);
  let at = MAGIC.length;
  const theirKey = reply.subarray(at, (at += PUBLIC_KEY_BYTES));
  const theirNonce = reply.subarray(at, (at += NONCE_BYTES));
  const signature = reply.subarray(at);
  const signed = transcript('acceptor', binding, me.publicKey, myNonce, theirKey, theirNonce);
  if (!verifySignature(theirKey, signed, signature))
    throw new IdentityProofError('bad-signature', 'the far end did not prove the identity it named (bad signature)');
  const mine = me.sign(transcript('dialler', binding, me.publicKey, myNonce, theirKey, theirNonce));
  stream.write(Buffer.concat([MAGIC, mine]));
  return { publicKey: Buffer.from(theirKey), id: idOfPublicKey(theirKey) };
}

/** The accepting end: reads the dialler's key and nonce, proves itself, then checks the dialler's proof. */
export async function proveAccepted(stream: Duplex, me: SigningKey): Promise<ProvedIdentity> {
  const binding = channelBinding(stream);
  const hello = await readExactly(stream, DIALLER_HELLO_BYTES);
  const theirKey = hello.subarray(MAGIC.length, MAGIC.length + PUBLIC_KEY_BYTES);
  const theirNonce = hello.subarray(MAGIC.length + PUBLIC_KEY_BYTES);
  const myNonce = randomBytes(NONCE_BYTES);
  const mine = me.sign(transcript('acceptor', binding, theirKey, theirNonce, me.publicKey, myNonce));
  stream.write(Buffer.concat([MAGIC, me.publicKey, myNonce, mine]));
  const proof = await readExactly(stream, DIALLER_PROOF_BYTES);
  const signed = transcript('dialler', binding, theirKey, theirNonce, me.publicKey, myNonce);
  if (!verifySignature(theirKey, signed, proof.subarray(MAGIC.length)))
    throw new IdentityProofError('bad-signature', 'the far end did not prove the identity it named (bad signature)');
  return { publicKey: Buffer.from(theirKey), id: idOfPublicKey(theirKey) };
}

/**
 * Reads exactly `n` bytes that open with the proof's magic and puts back anything after them (the first frame may
 * follow in the same packet). It reads through 'readable', so once it is done the stream is left with no reading
 * mode at all: the next reader's 'data' listener starts it, and nothing arrives unheard in between. Rejects as soon
 * as the bytes read cannot open a proof, and when the stream ends first. The caller's deadline bounds the wait.
 */
function readExactly(stream: Duplex, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let have = 0;
    const done = (err?: IdentityProofError) => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      stream.off('error', onEnd);
      if (err) return reject(err);
      const all = Buffer.concat(chunks);
      if (all.length > n) stream.unshift(all.subarray(n));
      resolve(all.subarray(0, n));
    };
    const onReadable = () => {
      for (let chunk = stream.read() as Buffer | null; chunk !== null; chunk = stream.read() as Buffer | null) {
        chunks.push(chunk);
        have += chunk.length;
      }
      const head = Buffer.concat(chunks).subarray(0, MAGIC.length);
      if (!MAGIC.subarray(0, head.length).equals(head)) {
        const received = Buffer.concat(chunks).subarray(0, 64 * 1024);
        return done(new IdentityProofError('not-proof', 'the far end did not start the identity proof', received));
      }
      if (have >= n) done();
    };
    const onEnd = () => done(new IdentityProofError('closed', 'the connection closed during the identity proof'));
    stream.on('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('close', onEnd);
    stream.once('error', onEnd);
  });
}
