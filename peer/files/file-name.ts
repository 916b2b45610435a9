/**
 * What may be asked for and saved: one path component, printable, not `.`/`..`, not hidden. Everything a query,
 * an offer or a command line names is checked with this before it reaches the file system (docs/CONTRACT.md "What bad input
 * gets": no path escaping the shared folder).
 */
export const MAX_NAME_BYTES = 255;

export function fileNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'a file name is empty';
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) return `a file name is longer than ${MAX_NAME_BYTES} bytes`;
  if (name === '.' || name === '..') return `"${name}" is not a file name`;
  if (/[/\\]/.test(name)) return `"${name}" is a path: ask for a file name without folders`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'a file name contains control characters';
  if (name.startsWith('.')) return `"${name}" is a hidden name: hidden files are never shared`;
  return undefined;
}

/**
 * Whether two names are the same file name as a person reads them: equal once both are in Unicode NFC, so `café`
 * typed with a composed `é` finds `café` stored decomposed (as macOS writes names) and the other way round. Names
 * are stored, sent and saved as they are; only matching normalizes (docs/PROTOCOL.md "File names").
 */
export function sameName(a: string, b: string): boolean {
  return a === b || a.normalize('NFC') === b.normalize('NFC');
}

export function isSafeFileName(name: string): boolean {
  return fileNameProblem(name) === undefined;
}

/** `notes.txt` → `notes`; `archive.tar.gz` → `archive.tar`; `README` → `README`. */
export function stemOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/**
 * Picks a free name beside existing ones: `notes.txt`, `notes (2).txt`, … so nothing stored is overwritten. The stem
 * (then, if need be, the extension) is shortened by whole characters so the numbered name stays within
 * MAX_NAME_BYTES: a long name must not become one the file system refuses.
 */
export function unusedName(name: string, taken: (candidate: string) => boolean): string {
  if (!taken(name)) return name;
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : '';
  for (let i = 2; ; i++) {
    const candidate = fitted(stem, ` (${i})`, ext);
    if (!taken(candidate)) return candidate;
  }
}

function fitted(stem: string, mark: string, ext: string): string {
  const s = [...stem];
  const e = [...ext];
  const bytes = () => Buffer.byteLength(s.join('') + mark + e.join(''));
  while (bytes() > MAX_NAME_BYTES && s.length > 0) s.pop();
  while (bytes() > MAX_NAME_BYTES && e.length > 0) e.pop();
  return s.join('') + mark + e.join('');
}
