import { fileNameProblem } from '../files/file-name.js';

/** A command line, understood (docs/CONTRACT.md "Peer commands"; keywords are case-insensitive). */
export type Command =
  | { kind: 'download'; file: string }
  | { kind: 'topo' }
  | { kind: 'stop' }
  | { kind: 'stop-all' }
  | { kind: 'help' }
  | { kind: 'list' }
  | { kind: 'find'; pattern: string }
  | { kind: 'files' }
  | { kind: 'where'; file: string }
  | { kind: 'cancel'; file: string; discard: boolean }
  | { kind: 'partials' }
  | { kind: 'empty' }
  | { kind: 'invalid'; message: string };

export const COMMAND_HELP: { command: string; description: string }[] = [
  { command: 'FILENAME', description: 'download it from the mesh into Downloads/ (notes finds notes.txt)' },
  { command: 'cancel FILE', description: 'stop a download, keeping what it fetched: type the name again to resume' },
  { command: 'cancel FILE --discard', description: 'stop a download (or forget a kept one) and delete its data' },
  { command: 'partials', description: 'the downloads kept unfinished: size, how much is verified, age' },
  { command: 'TOPO', description: 'show every peer of the mesh, its address and its neighbours' },
  { command: 'Stop', description: 'leave the mesh gracefully and exit' },
  { command: 'Stop all', description: 'ask every peer of the mesh to leave (the metadata server keeps running)' },
  { command: 'list', description: 'every file available in the mesh, with its size and how many peers hold it' },
  { command: 'find PATTERN', description: 'search the mesh by part of a name, showing holders, without downloading' },
  { command: 'files (or seeding)', description: 'what this peer offers: shared/ and Downloads/' },
  { command: 'where FILE (or address-book FILE)', description: 'the holders this peer knows for a file' },
  { command: 'help', description: 'list the commands' },
];

const KEYWORDS = new Set([
  'topo',
  'stop',
  'help',
  'list',
  'files',
  'seeding',
  'find',
  'where',
  'address-book',
  'partials',
]);

export function parseCommand(line: string): Command {
  const text = line.trim();
  if (text === '') return { kind: 'empty' };
  const words = text.split(/\s+/);
  const first = words[0]!.toLowerCase();
  if (words.length === 1 && first === 'topo') return { kind: 'topo' };
  if (words.length === 1 && first === 'stop') return { kind: 'stop' };
  if (words.length === 1 && (first === 'help' || first === '?')) return { kind: 'help' };
  if (words.length === 2 && first === 'stop' && words[1]!.toLowerCase() === 'all') return { kind: 'stop-all' };
  if (words.length === 1 && first === 'list') return { kind: 'list' };
  if (words.length === 1 && (first === 'files' || first === 'seeding')) return { kind: 'files' };
  if (words.length === 1 && first === 'partials') return { kind: 'partials' };
  const rest = text.slice(words[0]!.length).trim();
  if (first === 'find')
    return rest
      ? { kind: 'find', pattern: rest }
      : { kind: 'invalid', message: 'find needs a pattern, for example: find notes' };
  if (first === 'where' || first === 'address-book') {
    if (!rest) return { kind: 'invalid', message: `${first} needs a file name, for example: ${first} notes.txt` };
    const problem = fileNameProblem(rest);
    return problem ? { kind: 'invalid', message: problem } : { kind: 'where', file: rest };
  }
  if (first === 'cancel') return parseCancel(words.slice(1));
  // A keyword followed by something it does not take is a mistyped command, not a file name.
  if (KEYWORDS.has(first) && words.length > 1) {
    return { kind: 'invalid', message: `unknown command "${text.slice(0, 60)}": type help for the list of commands` };
  }
  const problem = fileNameProblem(text);
  if (problem) return { kind: 'invalid', message: `${problem}; type help for the list of commands` };
  return { kind: 'download', file: text };
}

/**
 * `cancel FILE` or `cancel FILE --discard` (the flag may also come first). A bare `cancel` is the file called
 * `cancel` only when typed with an extension (`cancel.txt`), like every other keyword.
 */
function parseCancel(args: string[]): Command {
  const discard = args.some((w) => w.toLowerCase() === '--discard');
  const file = args.filter((w) => w.toLowerCase() !== '--discard').join(' ');
  if (!file) return { kind: 'invalid', message: 'cancel needs a file name, for example: cancel movie.bin' };
  const problem = fileNameProblem(file);
  return problem ? { kind: 'invalid', message: problem } : { kind: 'cancel', file, discard };
}
