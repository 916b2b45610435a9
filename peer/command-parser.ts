import { fileNameProblem } from './file-name.js';

/** A command line, understood (SPEC "Peer commands"; keywords are case-insensitive). */
export type Command =
  | { kind: 'download'; file: string }
  | { kind: 'topo' }
  | { kind: 'stop' }
  | { kind: 'stop-all' }
  | { kind: 'help' }
  | { kind: 'empty' }
  | { kind: 'invalid'; message: string };

export const COMMAND_HELP: { command: string; description: string }[] = [
  { command: 'FILENAME', description: 'download it from the mesh into Downloads/ (notes finds notes.txt)' },
  { command: 'TOPO', description: 'show every peer of the mesh, its address and its neighbours' },
  { command: 'Stop', description: 'leave the mesh gracefully and exit' },
  { command: 'Stop all', description: 'ask every peer of the mesh to leave (the metadata server keeps running)' },
  { command: 'help', description: 'list the commands' },
];

const KEYWORDS = new Set(['topo', 'stop', 'help']);

export function parseCommand(line: string): Command {
  const text = line.trim();
  if (text === '') return { kind: 'empty' };
  const words = text.split(/\s+/);
  const first = words[0]!.toLowerCase();
  if (words.length === 1 && first === 'topo') return { kind: 'topo' };
  if (words.length === 1 && first === 'stop') return { kind: 'stop' };
  if (words.length === 1 && (first === 'help' || first === '?')) return { kind: 'help' };
  if (words.length === 2 && first === 'stop' && words[1]!.toLowerCase() === 'all') return { kind: 'stop-all' };
  // A keyword followed by something it does not take is a mistyped command, not a file name.
  if (KEYWORDS.has(first) && words.length > 1) {
    return { kind: 'invalid', message: `unknown command "${text.slice(0, 60)}": type help for the list of commands` };
  }
  const problem = fileNameProblem(text);
  if (problem) return { kind: 'invalid', message: `${problem}; type help for the list of commands` };
  return { kind: 'download', file: text };
}
