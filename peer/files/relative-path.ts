import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileNameProblem, sameName, stemOf } from './file-name.js';

/**
 * A file's name in the mesh once `shared/` may hold subfolders: its path relative to the shared folder, components
 * joined by `/` whatever the platform (`docs/report.pdf`). Everything that names a file from the network, a
 * manifest or a command line is checked with `pathProblem` before it reaches the file system: no `..`, no `.`, no
 * empty component, no absolute path, no backslash, every component a safe file name (file-name.ts), bounded depth
 * and length (docs/PROTOCOL.md "File names").
 */

/** Longest relative path in bytes (Linux's PATH_MAX is 4096; leave room for the folder it lives in). */
export const MAX_PATH_BYTES = 1024;
/** Deepest nesting of folders a path may have. */
export const MAX_PATH_DEPTH = 32;

/** Why `path` is not a relative path that may be shared, asked for or saved; undefined when it is one. */
export function pathProblem(path: string): string | undefined {
  if (path.length === 0) return 'a file name is empty';
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) return `a path is longer than ${MAX_PATH_BYTES} bytes`;
  if (path.startsWith('/') || isAbsolute(path) || /^[A-Za-z]:/.test(path))
    return `"${path}" is an absolute path: name a file inside the shared folder`;
  if (path.includes('\\')) return `"${path}" contains a backslash: folders are separated by /`;
  const parts = path.split('/');
  if (parts.length > MAX_PATH_DEPTH) return `"${path}" is nested deeper than ${MAX_PATH_DEPTH} folders`;
  for (const part of parts) {
    if (part === '') return `"${path}" has an empty folder name (a leading, trailing or doubled /)`;
    if (part === '.' || part === '..') return `"${path}" contains "${part}": paths may not leave or name their folder`;
    const problem = fileNameProblem(part);
    if (problem) return problem;
  }
  return undefined;
}

export function isSafePath(path: string): boolean {
  return pathProblem(path) === undefined;
}

/** The path's components (`docs/report.pdf` → `['docs', 'report.pdf']`). */
export function pathParts(path: string): string[] {
  return path.split('/');
}

/** The last component: what a bare name typed by a user is compared with (`docs/report.pdf` → `report.pdf`). */
export function baseOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? path : path.slice(slash + 1);
}

/**
 * The key under which two paths collide on a case-insensitive or normalizing file system (macOS, Windows, FAT):
 * NFC, then lower case. Two entries of one tree with the same key must not both be written to disk.
 */
export function collisionKey(path: string): string {
  return path.normalize('NFC').toLowerCase();
}

/**
 * The on-disk path of a checked relative path under `root`, or undefined when it would land outside `root` (it never
 * does for a path `pathProblem` accepts; this is the second lock on the door). Links are not followed here: callers
 * that read or write also check the real path (file-catalog.ts) or refuse links (the mirror).
 */
export function underRoot(root: string, path: string): string | undefined {
  if (pathProblem(path)) return undefined;
  const base = resolve(root);
  const full = resolve(base, join(...pathParts(path)));
  const rel = relative(base, full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return full;
}

/** The path without its base name's last extension: `docs/report.pdf` → `docs/report`, `v1.2/README` → itself. */
export function pathStem(path: string): string {
  const slash = path.lastIndexOf('/');
  return path.slice(0, slash + 1) + stemOf(path.slice(slash + 1));
}

/**
 * How closely what a user typed (or a query carried) names `path` (docs/CONTRACT.md "Mirror, discovery and
 * bandwidth": a bare name still finds a file): 0 the path itself, 1 its base name (`report.pdf` for
 * `docs/report.pdf`), 2 a stem (`report`, `docs/report`); undefined when it does not name it. Compared in NFC, as
 * names are everywhere (file-name.ts sameName).
 */
export type NameMatch = 0 | 1 | 2;

export function nameMatch(query: string, path: string): NameMatch | undefined {
  if (sameName(path, query)) return 0;
  const bare = !query.includes('/');
  const base = baseOf(path);
  if (bare && base !== path && sameName(base, query)) return 1;
  if (sameName(pathStem(path), query) || (bare && sameName(stemOf(base), query))) return 2;
  return undefined;
}

/**
 * The names among `names` that `query` finds at its best level (nameMatch): the exact path alone when one matches,
 * else every path with that base name, else every path of that stem. More than one path back means the name is
 * ambiguous: the caller asks the user to choose (peer/transfer/content-choice.ts).
 */
export function bestMatches(query: string, names: Iterable<string>): string[] {
  let best: NameMatch | undefined;
  let found: string[] = [];
  for (const name of names) {
    const level = nameMatch(query, name);
    if (level === undefined || (best !== undefined && level > best)) continue;
    if (best === undefined || level < best) [best, found] = [level, []];
    if (!found.includes(name)) found.push(name);
  }
  return found;
}

export { sameName };
