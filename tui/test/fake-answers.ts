/**
 * The fake peer's (fake-peer.ts) answers to the listing commands, as long as a real mesh gives them: `help` lists
 * the core's commands (peer/control/command-parser.ts), `list` has 30 files, `find`/`where`/`files` a few
 * rows, and `longerror` is refused with a 200-character message.
 */
import { COMMAND_HELP } from '../../peer/control/command-parser.js';
import type { PeerEventBody } from '../../peer/control/peer-events.js';

/** The core's own list, so the view is tested with the real length and wording. */
export const HELP_COMMANDS = COMMAND_HELP;

/** `file-01.dat` … `file-30.dat`, 1 KB to 30 KB, held by 1 to 3 peers. */
export const LISTED_FILES = Array.from({ length: 30 }, (_, i) => ({
  name: `file-${String(i + 1).padStart(2, '0')}.dat`,
  size: (i + 1) * 1024,
  sha256: String(i % 10).repeat(64),
  holders: (i % 3) + 1,
}));

export const LONG_ERROR =
  '"longerror" is not a command or a file name: a file name may not contain a slash, a backslash, a NUL byte or ' +
  'start with a dot, and keywords are TOPO, Stop, help, list, find, where and files; END-OF-MESSAGE';

/** The answer to `line`, or null when it is not one of these commands. */
export function scriptedAnswer(line: string): PeerEventBody | null {
  if (/^help$/i.test(line)) return { event: 'help', commands: HELP_COMMANDS };
  if (/^list$/i.test(line)) return { event: 'list', files: LISTED_FILES };
  if (/^find /i.test(line)) {
    const pattern = line.slice(5).trim();
    const files = LISTED_FILES.filter((f) => f.name.includes(pattern)).map((f) => ({
      name: f.name,
      size: f.size,
      sha256: f.sha256,
      holders: ['s2', 's3', 's4'].slice(0, f.holders),
    }));
    return { event: 'find-results', pattern, files };
  }
  if (/^where /i.test(line)) {
    const file = line.slice(6).trim();
    return {
      event: 'where',
      file,
      holders: [
        { name: 's2', host: '127.0.0.1', port: 7002, size: 4096, sha256: '0'.repeat(64), source: 'index' },
        { name: 's4', host: '127.0.0.1', port: 7004, size: 4096, sha256: '0'.repeat(64), source: 'address-book' },
      ],
    };
  }
  if (line === 'longerror') return { event: 'error', message: LONG_ERROR };
  return null;
}
