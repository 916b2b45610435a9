/**
 * How sentences about a peer's folders print the names in them (docs/CONTRACT.md "Folders").
 */

/** Control characters, C0 and C1: a name holding one cannot be printed on one line as it is. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** A name as it can be printed on one line: control characters escaped (`tab\tname.txt`, `\x1b`). */
export function printable(name: string): string {
  const named: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r' };
  return name.replace(CONTROL, (c) => named[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
