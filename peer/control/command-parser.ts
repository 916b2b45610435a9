import { parseByteRate } from '../../common/byte-rate.js';
import { describeError } from '../../common/errors.js';
import { PEER_NAME_PATTERN } from '../../common/peer-name.js';
import { pathProblem } from '../files/relative-path.js';

/** A command line, understood (docs/CONTRACT.md "Peer commands"; keywords are case-insensitive). */
export type Command =
  /** `from`: that peer's copy only (canonical name); `sha256`: the content whose SHA-256 starts so (lower-case hex). */
  | { kind: 'download'; file: string; from?: string; sha256?: string; secure?: boolean }
  | { kind: 'trusted' }
  | { kind: 'topo' }
  /** `now`: `Stop now` leaves without handing its files off (peer/custody/handoff.ts). */
  | { kind: 'stop'; now?: boolean }
  | { kind: 'stop-all' }
  | { kind: 'help' }
  | { kind: 'list' }
  | { kind: 'find'; pattern: string }
  | { kind: 'files' }
  | { kind: 'where'; file: string }
  /** `trace FILE`: a search whose every step is reported back, without downloading (peer/mesh/tracer.ts). */
  | { kind: 'trace'; file: string }
  | { kind: 'cancel'; file: string; discard: boolean }
  | { kind: 'partials' }
  | { kind: 'mirror' }
  /** `limit`: shows the caps; `up`/`down` (bytes per second, null: off) change the one given (peer/transfer/bandwidth.ts). */
  | { kind: 'limit'; up?: number | null; down?: number | null }
  | { kind: 'empty' }
  | { kind: 'invalid'; message: string };

export const COMMAND_HELP: { command: string; description: string }[] = [
  { command: 'FILENAME', description: 'download it from the mesh into Downloads/ (notes finds notes.txt)' },
  { command: 'FILE from PEER', description: "download PEER's copy of FILE, from PEER alone" },
  {
    command: 'FILE sha256 PREFIX',
    description: 'download the content of FILE whose SHA-256 starts with PREFIX (8 or more hex digits)',
  },
  {
    command: 'secure-get FILE from PEER',
    description: 'download FILE from trusted PEER alone, only if its content is on the trusted-file list',
  },
  { command: 'trusted', description: 'the peers the metadata server trusts, and the trusted files they share' },
  { command: 'cancel FILE', description: 'stop a download, keeping what it fetched: type the name again to resume' },
  { command: 'cancel FILE --discard', description: 'stop a download (or forget a kept one) and delete its data' },
  { command: 'partials', description: 'the downloads kept unfinished: size, how much is verified, age' },
  { command: 'mirror', description: "a mirror peer's copy of each member's shared/: state, progress, last change" },
  {
    command: 'limit up RATE',
    description: 'cap what this peer sends, all transfers together (500KB/s, 20MB/s, 100Mbit/s)',
  },
  { command: 'limit down RATE', description: 'cap what this peer receives, all transfers together' },
  { command: 'limit off', description: 'lift both caps (limit up off, limit down off: one); limit alone shows them' },
  { command: 'TOPO', description: 'show every peer of the mesh, its address and its neighbours' },
  {
    command: 'Stop',
    description: 'leave the mesh gracefully and exit, first handing files no other peer holds to a custodian',
  },
  { command: 'Stop now', description: 'leave at once, without handing files off' },
  { command: 'Stop all', description: 'ask every peer of the mesh to leave (the metadata server keeps running)' },
  { command: 'list', description: 'every file available in the mesh, with its size and how many peers hold it' },
  { command: 'find PATTERN', description: 'search the mesh by part of a name, showing holders, without downloading' },
  { command: 'files (or seeding)', description: 'what this peer offers: shared/ and Downloads/' },
  { command: 'where FILE (or address-book FILE)', description: 'the holders this peer knows for a file' },
  {
    command: 'trace FILE',
    description: "search for FILE without downloading and show the flood's path: who forwarded, dropped, answered",
  },
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
  'trusted',
  'mirror',
  'limit',
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
  if (words.length === 2 && first === 'stop' && words[1]!.toLowerCase() === 'now') return { kind: 'stop', now: true };
  if (words.length === 1 && first === 'list') return { kind: 'list' };
  if (words.length === 1 && (first === 'files' || first === 'seeding')) return { kind: 'files' };
  if (words.length === 1 && first === 'partials') return { kind: 'partials' };
  if (words.length === 1 && first === 'trusted') return { kind: 'trusted' };
  if (words.length === 1 && first === 'mirror') return { kind: 'mirror' };
  const rest = text.slice(words[0]!.length).trim();
  if (first === 'find')
    return rest
      ? { kind: 'find', pattern: rest }
      : { kind: 'invalid', message: 'find needs a pattern, for example: find notes' };
  if (first === 'trace') {
    if (!rest) return { kind: 'invalid', message: 'trace needs a file name, for example: trace notes.txt' };
    const problem = pathProblem(rest);
    return problem ? { kind: 'invalid', message: problem } : { kind: 'trace', file: rest };
  }
  if (first === 'where' || first === 'address-book') {
    if (!rest) return { kind: 'invalid', message: `${first} needs a file name, for example: ${first} notes.txt` };
    const problem = pathProblem(rest);
    return problem ? { kind: 'invalid', message: problem } : { kind: 'where', file: rest };
  }
  if (first === 'cancel') return parseCancel(words.slice(1));
  if (first === 'limit') return parseLimit(words.slice(1));
  if (first === 'secure-get') return parseSecureGet(rest);
  // A keyword followed by something it does not take is a mistyped command, not a file name.
  if (KEYWORDS.has(first) && words.length > 1) {
    return { kind: 'invalid', message: `unknown command "${text.slice(0, 60)}": type help for the list of commands` };
  }
  return parseDownload(text);
}

/** `secure-get FILE from PEER` (docs/CONTRACT.md "Peer commands"): a download from trusted PEER alone. */
function parseSecureGet(rest: string): Command {
  const usage = 'secure-get needs a file and a trusted peer, for example: secure-get notes.txt from s1';
  if (!rest) return { kind: 'invalid', message: usage };
  const parsed = parseDownload(rest);
  if (parsed.kind !== 'download') return parsed;
  if (parsed.from === undefined) return { kind: 'invalid', message: usage };
  return { ...parsed, secure: true };
}

/** Fewest hex digits a `sha256 PREFIX` may have: 8 make a chance match among a name's few contents negligible. */
export const MIN_SHA256_PREFIX = 8;

/**
 * `FILE`, `FILE from PEER`, `FILE sha256 PREFIX`, or both choices in either order (docs/CONTRACT.md "Peer
 * commands"). A trailing `from NAME` is a choice only when NAME is a valid peer name, so `songs from home.mp3` stays a
 * file name; a trailing `sha256 X` always is, and X must be 8–64 hex digits.
 */
function parseDownload(text: string): Command {
  let file = text;
  let from: string | undefined;
  let sha256: string | undefined;
  const dangling = /\s(from|sha256)$/i.exec(text);
  if (dangling) {
    const what = dangling[1]!.toLowerCase() === 'from' ? 'a peer name' : `${MIN_SHA256_PREFIX} or more hex digits`;
    return {
      kind: 'invalid',
      message: `${dangling[1]} needs ${what}, for example: notes.txt ${dangling[1]} ${dangling[1]!.toLowerCase() === 'from' ? 's2' : '3f2a9c1e'}`,
    };
  }
  for (;;) {
    const m = /^(.*\S)\s+(from|sha256)\s+(\S+)$/i.exec(file);
    if (!m) break;
    const keyword = m[2]!.toLowerCase();
    const value = m[3]!;
    if (keyword === 'from' && from === undefined && PEER_NAME_PATTERN.test(value)) from = value.toLowerCase();
    else if (keyword === 'sha256' && sha256 === undefined) {
      if (!new RegExp(`^[0-9a-f]{${MIN_SHA256_PREFIX},64}$`, 'i').test(value))
        return {
          kind: 'invalid',
          message: `"${value.slice(0, 70)}" is not a SHA-256 prefix: give ${MIN_SHA256_PREFIX} to 64 hex digits, for example: notes.txt sha256 3f2a9c1e`,
        };
      sha256 = value.toLowerCase();
    } else break;
    file = m[1]!;
  }
  const problem = pathProblem(file);
  if (problem) return { kind: 'invalid', message: `${problem}; type help for the list of commands` };
  return {
    kind: 'download',
    file,
    ...(from === undefined ? {} : { from }),
    ...(sha256 === undefined ? {} : { sha256 }),
  };
}

/** `limit`, `limit off`, `limit up RATE`, `limit down RATE` (`off` for RATE lifts that one cap). */
function parseLimit(args: string[]): Command {
  const usage = 'limit takes up RATE, down RATE or off, for example: limit down 20MB/s';
  if (args.length === 0) return { kind: 'limit' };
  const which = args[0]!.toLowerCase();
  if (args.length === 1 && which === 'off') return { kind: 'limit', up: null, down: null };
  if ((which !== 'up' && which !== 'down') || args.length === 1) return { kind: 'invalid', message: usage };
  const value = args.slice(1).join('');
  if (value.toLowerCase() === 'off') return { kind: 'limit', [which]: null };
  try {
    return { kind: 'limit', [which]: parseByteRate(value) };
  } catch (err) {
    return { kind: 'invalid', message: describeError(err) };
  }
}

/**
 * `cancel FILE` or `cancel FILE --discard` (the flag may also come first). A bare `cancel` is the file called
 * `cancel` only when typed with an extension (`cancel.txt`), like every other keyword.
 */
function parseCancel(args: string[]): Command {
  const discard = args.some((w) => w.toLowerCase() === '--discard');
  const file = args.filter((w) => w.toLowerCase() !== '--discard').join(' ');
  if (!file) return { kind: 'invalid', message: 'cancel needs a file name, for example: cancel movie.bin' };
  const problem = pathProblem(file);
  return problem ? { kind: 'invalid', message: problem } : { kind: 'cancel', file, discard };
}
