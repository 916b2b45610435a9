import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Sentences about what a peer's folders hold but do not share, so nothing is left out silently: links leading out,
 * names or paths that cannot be shared, a `--dir` that holds files outside shared/ (docs/CONTRACT.md "Folders").
 */

/** Control characters, C0 and C1: a name holding one cannot be printed on one line as it is. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** A name as it can be printed on one line: control characters escaped (`tab\tname.txt`, `\x1b`). */
export function printable(name: string): string {
  const named: Record<string, string> = {
    '\n': '\\n',
    '\t': '\\t',
    '\r': '\\r',
  };
  return name.replace(CONTROL, (c) => named[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** What kind of entry a folder holds but does not share. */
export type UnsharedKind = 'file' | 'link-out' | 'link-folder' | 'too-deep';

/**
 * Why an entry of a shared folder (`label/path`, `path` relative to the folder) is not shared; undefined when there
 * is nothing to say.
 */
export function entryNotice(label: string, path: string, kind: UnsharedKind): string | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (name.startsWith('.')) return undefined; // hidden: never shared, on purpose
  const shown = `${label}/${printable(path)}`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return `${shown}: a name with control characters cannot be shared`;
  if (name.includes('\\')) return `${shown}: a name with a backslash cannot be shared`;
  if (kind === 'link-out') return `${shown} is a link leading out of ${label}/: it is not shared`;
  if (kind === 'link-folder') return `${shown} is a link to a folder: links to folders are not followed`;
  if (kind === 'too-deep')
    return `${shown}: its path is nested too deep or too long to be shared (docs/PROTOCOL.md "File names")`;
  return undefined;
}

/**
 * For a folder that is not a peer's folder yet (no `.p2p/identity.key`, nor an earlier release's
 * `.p2p/identity.json`): whether it already holds files or
 * folders outside shared/, which a new user may expect to be shared (`--dir ~/Music`).
 */
export function strayNote(root: string, own: string[]): string | undefined {
  if (['identity.key', 'identity.json'].some((f) => existsSync(join(root, '.p2p', f)))) return undefined;
  let files = 0;
  let folders = 0;
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return undefined;
  }
  for (const name of names) {
    if (name.startsWith('.') || own.includes(join(root, name))) continue;
    try {
      if (statSync(join(root, name)).isDirectory()) folders++;
      else files++;
    } catch {
      // a dangling link: not worth a word
    }
  }
  if (files + folders === 0) return undefined;
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const held = [files ? count(files, 'file') : '', folders ? count(folders, 'folder') : '']
    .filter(Boolean)
    .join(' and ');
  return `${printable(root)} holds ${held} outside shared/: a peer shares only what is in its shared/ folder`;
}
