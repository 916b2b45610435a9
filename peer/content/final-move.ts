import { randomBytes } from 'node:crypto';
import {
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  unlinkSync,
  type Dirent,
} from 'node:fs';
import { copyFile, open, rename } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { P2pError } from '../../common/errors.js';
import { unusedName } from '../files/file-name.js';
import { MAX_PATH_DEPTH, pathProblem } from '../files/relative-path.js';

/** Hidden names of copies being made across file systems: never listed nor served, removed when left behind. */
const TEMPORARY = /^\.meshshare-(\d+)-[0-9a-f]{12}\.tmp$/;

/**
 * Puts a finished, flushed file `from` into `dir` under `name`, a relative path (`docs/report.pdf` goes into
 * `dir/docs/`, made when missing: folderFor), as a numbered sibling in that folder when the name is taken (nothing
 * stored is overwritten), and removes `from`; resolves with the path it got. The file appears under its final name at
 * once and whole: link() creates the name atomically and fails when it exists (rename would replace). When `dir` is
 * on another file system than the partial file (`--downloads DIR` elsewhere, docs/CONTRACT.md "Folders"), the file is
 * first copied beside its final place under a hidden temporary name and flushed, off the event loop (a copy of
 * gigabytes takes seconds), then linked into place the same way. On a file system without hard links (FAT on a USB
 * stick) the flushed copy is renamed into place after checking that the name is free. The folder's entry is
 * flushed too, so a power cut cannot keep the removal of the partial file and lose the new name.
 */
export async function placeFile(from: string, root: string, name: string): Promise<string> {
  const { dir, prefix, base } = folderFor(root, name);
  let placed: string;
  try {
    placed = linkInto(from, dir, base);
  } catch (err) {
    if (!isCrossDevice(err) && !noHardLinks(err)) throw err;
    placed = await copyInto(from, dir, base);
  }
  await syncFolder(dir);
  return prefix + placed;
}

/**
 * The folder a file of relative `path` goes into under `root`, made one component at a time when missing. Each
 * component that exists must be a folder whose real path lies inside the root's: a link to a folder elsewhere
 * (made before the download, by anyone) is refused with P2P_ERR_BAD_PATH, so nothing is ever written outside the
 * downloads folder (docs/PROTOCOL.md "File names"). `dir` is the real path; `prefix` the folders as named (`docs/`).
 */
export function folderFor(root: string, path: string): { dir: string; prefix: string; base: string } {
  const problem = pathProblem(path);
  if (problem) throw new P2pError('P2P_ERR_BAD_PATH', problem);
  const parts = path.split('/');
  const base = parts.pop()!;
  const top = realpathSync(root);
  let dir = top;
  for (const part of parts) {
    const next = join(dir, part);
    try {
      mkdirSync(next);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const real = realpathSync(next);
    if (!real.startsWith(top + sep))
      throw new P2pError('P2P_ERR_BAD_PATH', `${path}: ${part} is a link leading out of the downloads folder`);
    if (!statSync(real).isDirectory())
      throw new P2pError('P2P_ERR_BAD_PATH', `${path}: ${part} is a file, not a folder`);
    dir = real;
  }
  return { dir, prefix: parts.map((p) => `${p}/`).join(''), base };
}

/** Removes copies that a process which no longer runs left in `dir` (or its subfolders) when it stopped mid-copy. */
export function removeLeftoverCopies(dir: string, depth = MAX_PATH_DEPTH): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const pid = TEMPORARY.exec(entry.name)?.[1];
    if (pid !== undefined && !running(Number(pid))) rmSync(join(dir, entry.name), { force: true });
    // A copy is made in the folder of its path (placeFile): subfolders too, never through a link.
    else if (entry.isDirectory() && depth > 1) removeLeftoverCopies(join(dir, entry.name), depth - 1);
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
