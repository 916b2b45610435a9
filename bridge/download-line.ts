/**
 * The one command line a bridge types into its office peer for a far office's request: the file's name alone, as
 * a person would type it to download (docs/CONTRACT.md "Peer commands"), and only when the peer's own parser reads
 * that line as exactly a download of that file. A far bridge holds the mesh key but is not trusted to command this
 * office: a "file" named `stop all`, `limit off`, `mirror` or `x from s2` is refused here, never typed.
 *
 * May import: peer/control/command-parser.ts.
 */
import { parseCommand } from '../peer/control/command-parser.js';

/** The line that downloads `file`, or a sentence saying why no such line is typed. */
export function downloadLine(file: string): { line: string } | { problem: string } {
  if (/[\r\n]/.test(file)) return { problem: 'a file name may not hold a line break' };
  const parsed = parseCommand(file);
  if (parsed.kind !== 'download' || parsed.file !== file || parsed.from !== undefined || parsed.sha256 !== undefined)
    return { problem: `"${file.slice(0, 60)}" is not asked for as a plain file name` };
  return { line: file };
}
