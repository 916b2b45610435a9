/**
 * The mesh key: 32 random bytes shared by every process of a keyed mesh (docs/CONTRACT.md "The trusted mesh"). Its
 * file holds the key as 64 hexadecimal characters and a newline, readable by its owner only. The metadata server
 * creates it when missing; peers only read it. This module is the one place that knows the file's format.
 *
 * May import: Node's standard library only.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fstatSync, mkdirSync, openSync, readSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Bytes of a mesh key (a random key: a passphrase could be guessed offline from a recorded handshake). */
export const MESH_KEY_BYTES = 32;
/** The state folder of a process started without `--state`, relative to the current directory. */
export const DEFAULT_STATE_DIR = '.meshshare';
/** The key file's name inside the state folder. */
export const MESH_KEY_FILE = 'mesh.key';
/** The environment variable a peer reads when `--key-file` is not given. */
export const MESH_KEY_ENV = 'MESHSHARE_KEY_FILE';
/** A key file longer than this is not a key file (64 hex digits and a line ending). */
const MAX_FILE_BYTES = 256;

/** Why a key could not be had: `missing` (no such file), `malformed` (not a key), `unreadable` (permissions…). */
export type MeshKeyProblem = 'missing' | 'malformed' | 'unreadable';

export class MeshKeyError extends Error {
  constructor(
    readonly problem: MeshKeyProblem,
    message: string,
  ) {
    super(message);
    this.name = 'MeshKeyError';
  }
}

/** The default key file: `mesh.key` in the state folder (default `.meshshare/`). */
export function defaultKeyFile(stateDir: string = DEFAULT_STATE_DIR): string {
  return join(stateDir, MESH_KEY_FILE);
}

/** A fresh random key. */
export function generateMeshKey(): Buffer {
  return randomBytes(MESH_KEY_BYTES);
}

/** The file's text for `key`: 64 lower-case hexadecimal characters and a newline. */
export function formatMeshKey(key: Buffer): string {
  if (key.length !== MESH_KEY_BYTES) throw new RangeError(`a mesh key has ${MESH_KEY_BYTES} bytes, not ${key.length}`);
  return `${key.toString('hex')}\n`;
}

/**
 * Reads a key file's text: exactly 64 hexadecimal characters, optionally followed by one line ending (`\n` or
 * `\r\n`). Anything else (spaces, a passphrase, a short key, two lines) is refused with one sentence naming `where`.
 */
export function parseMeshKey(text: string, where = 'the mesh key'): Buffer {
  if (!/^[0-9a-fA-F]{64}(?:\r?\n)?$/.test(text)) {
    throw new MeshKeyError(
      'malformed',
      `${where} is not a mesh key: it must hold exactly 64 hexadecimal characters (32 random bytes) on one line; ` +
        `copy the metadata server's ${MESH_KEY_FILE} again`,
    );
  }
  return Buffer.from(text.slice(0, 64), 'hex');
}

/** Loads the key at `path`; throws a MeshKeyError whose message is one sentence. */
export function loadMeshKey(path: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MeshKeyError('missing', `there is no mesh key file at ${path}`);
    throw new MeshKeyError('unreadable', `cannot read the mesh key file ${path} (${code ?? String(err)})`);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new MeshKeyError('malformed', `${path} is not a file, so not a mesh key`);
    const buf = Buffer.alloc(MAX_FILE_BYTES + 1);
    let n = 0;
    for (let r; n < buf.length && (r = readSync(fd, buf, n, buf.length - n, null)) > 0;) n += r;
    if (n > MAX_FILE_BYTES) throw new MeshKeyError('malformed', `${path} is too long to be a mesh key`);
    return parseMeshKey(buf.subarray(0, n).toString('latin1'), path);
  } finally {
    closeSync(fd);
  }
}

/** Creates a new key file at `path` (its folder too), mode 0600; never overwrites a file. */
export function createMeshKey(path: string): Buffer {
  const key = generateMeshKey();
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, formatMeshKey(key), { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600); // whatever the umask
  return key;
}

/** Loads the key at `path`, creating it when there is none; `created` says which. */
export function loadOrCreateMeshKey(path: string): { key: Buffer; created: boolean } {
  try {
    return { key: loadMeshKey(path), created: false };
  } catch (err) {
    if (!(err instanceof MeshKeyError) || err.problem !== 'missing') throw err;
  }
  try {
    return { key: createMeshKey(path), created: true };
  } catch (err) {
    // Another process created it meanwhile: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { key: loadMeshKey(path), created: false };
    throw new MeshKeyError('unreadable', `cannot create the mesh key file ${path} (${(err as Error).message})`);
  }
}
