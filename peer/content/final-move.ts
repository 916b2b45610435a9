import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { copyFile, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { unusedName } from '../files/file-name.js';

/** Hidden names of copies being made across file systems: never listed nor served, removed when left behind. */
const TEMPORARY = /^\.meshshare-(\d+)-[0-9a-f]{12}\.tmp$/;

/**
 * Puts a finished, flushed file `from` into `dir` under `name` (a numbered sibling when the name is taken: nothing
 * stored is overwritten) and removes `from`; resolves with the name it got. The file appears under its final name at
 * once and whole: link() creates the name atomically and fails when it exists (rename would replace). When `dir` is
 * on another file system than the partial file (`--downloads DIR` elsewhere, docs/CONTRACT.md "Folders"), the file is
 * first copied beside its final place under a hidden temporary name and flushed, off the event loop (a copy of
 * gigabytes takes seconds), then linked into place the same way. On a file system without hard links (FAT on a USB
 * stick) the flushed copy is renamed into place after checking that the name is free. The folder's entry is
 * flushed too, so a power cut cannot keep the removal of the partial file and lose the new name.
 */
export async function placeFile(from: string, dir: string, name: string): Promise<string> {
  let placed: string;
  try {
    placed = linkInto(from, dir, name);
  } catch (err) {
    if (!isCrossDevice(err) && !noHardLinks(err)) throw err;
    placed = await copyInto(from, dir, name);
  }
  await syncFolder(dir);
  return placed;
}

/** Removes copies that a process which no longer runs left in `dir` when it stopped in the middle of one. */
export function removeLeftoverCopies(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const entry of names) {
    const pid = TEMPORARY.exec(entry)?.[1];
    if (pid !== undefined && !running(Number(pid))) rmSync(join(dir, entry), { force: true });
  }
}

async function copyInto(from: string, dir: string, name: string): Promise<string> {
  const temporary = join(dir, `.meshshare-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  try {
    await copyFile(from, temporary);
    const handle = await open(temporary, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    let placed: string;
    try {
      placed = linkInto(temporary, dir, name);
    } catch (err) {
      if (!noHardLinks(err)) throw err;
      placed = unusedName(name, (n) => existsSync(join(dir, n)));
      await rename(temporary, join(dir, placed));
    }
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

async function syncFolder(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some file systems refuse to flush a folder (EINVAL): the file itself is flushed already.
  }
}

function isCrossDevice(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'EXDEV';
}

function noHardLinks(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS';
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
