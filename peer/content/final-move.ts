import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, fsyncSync, linkSync, openSync, closeSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { unusedName } from '../files/file-name.js';

/**
 * Puts a finished, flushed file `from` into `dir` under `name` (a numbered sibling when the name is taken: nothing
 * stored is overwritten) and removes `from`; returns the name it got. The file appears under its final name at
 * once and whole: link() creates the name atomically and fails when it exists (rename would replace). When `dir` is
 * on another file system than the partial file (`--downloads DIR` elsewhere, docs/CONTRACT.md "Folders"), the file is
 * first copied beside its final place under a hidden temporary name (never listed nor served) and flushed, then
 * linked into place the same way.
 */
export function placeFile(from: string, dir: string, name: string): string {
  try {
    return linkInto(from, dir, name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
  }
  const temporary = join(dir, `.meshshare-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  try {
    copyFileSync(from, temporary);
    const fd = openSync(temporary, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const placed = linkInto(temporary, dir, name);
    unlinkSync(from);
    return placed;
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** Links `source` into `dir` under `name` or its first free numbered sibling, then unlinks `source`. */
function linkInto(source: string, dir: string, wanted: string): string {
  let name = unusedName(wanted, (n) => existsSync(join(dir, n)));
  for (;;) {
    try {
      linkSync(source, join(dir, name));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      name = unusedName(wanted, (n) => n === name || existsSync(join(dir, n)));
    }
  }
  unlinkSync(source);
  return name;
}
