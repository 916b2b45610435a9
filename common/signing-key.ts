/**
 * Ed25519 signing keys (docs/SECURITY.md "Identities"): a peer's identity and the metadata server's own key. A key
 * file holds the private key as PKCS#8 PEM, readable by its owner only, made on first use; the public half travels
 * raw (32 bytes). A peer's id is derived from its public key, so an id cannot be claimed without the private key.
 * This module is the one place that knows the key file's format and how an id is derived.
 *
 * May import: Node's standard library only.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic-file.js';

/** Bytes of a raw Ed25519 public key, and of a signature. */
export const PUBLIC_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;
/** The DER header of an Ed25519 SubjectPublicKeyInfo: followed by the 32 raw bytes. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** A key file longer than this is not one of ours (a PKCS#8 Ed25519 PEM is 119 bytes). */
const MAX_KEY_FILE_BYTES = 4096;

export class SigningKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningKeyError';
  }
}

/**
 * The id a public key stands for: the first 16 bytes of its SHA-256, base64url (22 characters of
 * `[A-Za-z0-9_-]`, the wire's id pattern). Anyone can check it; nobody can pick a key to match a given id.
 */
export function idOfPublicKey(raw: Buffer): string {
  if (raw.length !== PUBLIC_KEY_BYTES) throw new RangeError(`an Ed25519 public key has 32 bytes, not ${raw.length}`);
  return createHash('sha256').update(raw).digest().subarray(0, 16).toString('base64url');
}

/** A raw 32-byte public key as a KeyObject, or undefined for bytes that are not a valid Ed25519 point. */
export function publicKeyFromRaw(raw: Buffer): KeyObject | undefined {
  if (raw.length !== PUBLIC_KEY_BYTES) return undefined;
  try {
    return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

/** Whether `signature` is `raw`'s signature of `data`; false for anything malformed, never a throw. */
export function verifySignature(raw: Buffer, data: Buffer, signature: Buffer): boolean {
  if (signature.length !== SIGNATURE_BYTES) return false;
  const key = publicKeyFromRaw(raw);
  if (!key) return false;
  try {
    return verify(null, data, key, signature);
  } catch {
    return false;
  }
}

/** An Ed25519 key pair: signs, and names itself by its raw public key and the id derived from it. */
export class SigningKey {
  readonly publicKey: Buffer;
  readonly id: string;

  private constructor(private readonly privateKey: KeyObject) {
    const der = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
    this.publicKey = Buffer.from(der.subarray(der.length - PUBLIC_KEY_BYTES));
    this.id = idOfPublicKey(this.publicKey);
  }

  static generate(): SigningKey {
    return new SigningKey(generateKeyPairSync('ed25519').privateKey);
  }

  /** Parses a PKCS#8 PEM Ed25519 private key; throws a SigningKeyError naming `where`. */
  static fromPem(pem: string, where = 'the key'): SigningKey {
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: pem, format: 'pem' });
    } catch {
      throw new SigningKeyError(`${where} is not a private key in PEM form`);
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new SigningKeyError(`${where} is not an Ed25519 key`);
    return new SigningKey(key);
  }

  /**
   * The key kept at `path`, made (and written with mode 0600, flushed, renamed into place) when the file does not
   * exist. A file that exists but is not a key is an error, never replaced: it may be someone's identity.
   */
  static loadOrCreate(path: string): { key: SigningKey; created: boolean } {
    let text: string | undefined;
    try {
      const buf = readFileSync(path);
      if (buf.length > MAX_KEY_FILE_BYTES) throw new SigningKeyError(`${path} is too large to be a key file`);
      text = buf.toString('utf8');
    } catch (err) {
      if (err instanceof SigningKeyError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw new SigningKeyError(`cannot read the key file ${path} (${code ?? String(err)})`);
    }
    if (text !== undefined) return { key: SigningKey.fromPem(text, path), created: false };
    const key = SigningKey.generate();
    writeFileAtomic(path, key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    return { key, created: true };
  }

  sign(data: Buffer): Buffer {
    return sign(null, data, this.privateKey);
  }

  /**
   * The 32-byte private seed: the same identity can then key another Ed25519 protocol (a bridge's Noise key pair,
   * docs/BEYOND-LAN.md "What would change in the product"). Secret: never log or send it.
   */
  seed(): Buffer {
    const d = this.privateKey.export({ format: 'jwk' }).d;
    if (typeof d !== 'string') throw new SigningKeyError('the key has no private part');
    return Buffer.from(d, 'base64url');
  }
}
