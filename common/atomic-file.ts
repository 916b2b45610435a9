/**
 * Writes a small file so that a crash leaves either the old content or the new, never a mix: a temporary file
 * beside it (created with `mode`), flushed, renamed into place, then the folder flushed so the rename itself
 * survives a power cut. Used for keys and for the metadata server's remembered names.
 *
 * May import: Node's standard library only.
 */
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export function writeFileAtomic(path: string, text: string, mode = 0o600): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (err) {
    // A full disk: the old file stays, and the half-written temporary file must not hold the space.
    closeSync(fd);
    rmSync(temp, { force: true });
    throw err;
  }
  closeSync(fd);
  chmodSync(temp, mode); // a leftover temporary file from a crash keeps its old mode when reopened
  renameSync(temp, path);
  flushFolder(dirname(path));
}

function flushFolder(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* some file systems cannot flush a folder; the rename is still atomic */
  }
}
