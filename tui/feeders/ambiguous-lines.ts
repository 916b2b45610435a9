import type { PeerEvent } from '../../peer/control/peer-events.js';
import { formatBytes } from '../format.js';
import type { Described } from './file-table.js';

/**
 * An `ambiguous` answer: a header, then one line per content (its SHA-256's first 12 hex digits, size, holders),
 * then how to choose, so the user can type the digits or a holder's name back.
 */
export function ambiguousLines(e: Extract<PeerEvent, { event: 'ambiguous' }>): Described[] {
  const example = e.choices[0];
  if (example?.path !== undefined) {
    // A bare name that names several paths: the user types one of them back.
    return [
      ['warn', `${e.file}: names ${new Set(e.choices.map((c) => c.path)).size} files, nothing fetched:`],
      ...e.choices.map((c): Described => [
        'warn',
        `  ${c.path}  ${formatBytes(c.bytes).padStart(9)}  from ${c.holders.join(', ')}`,
      ]),
      ['info', `  choose: type its path, for example ${example.path}`],
    ];
  }
  return [
    ['warn', `${e.file}: ${e.choices.length} different contents under this name, nothing fetched:`],
    ...e.choices.map((c): Described => [
      'warn',
      `  sha256 ${c.sha256.slice(0, 12)}  ${formatBytes(c.bytes).padStart(9)}  from ${c.holders.join(', ')}`,
    ]),
    [
      'info',
      example
        ? `  choose: ${e.file} from ${example.holders[0] ?? 'PEER'}  or  ${e.file} sha256 ${example.sha256.slice(0, 12)}`
        : `  choose: ${e.file} from PEER  or  ${e.file} sha256 PREFIX`,
    ],
  ];
}
