import type { PeerEvent } from '../../peer/control/peer-events.js';
import { formatBytes } from '../format.js';
import type { Described } from './file-table.js';

const list = (files: string[]) =>
  files.length <= 3 ? files.join(', ') : `${files.slice(0, 3).join(', ')} and ${files.length - 3} more`;

/**
 * The log's lines for files that outlive their peer (docs/PROTOCOL.md "Custody"): the owner's handoff, the
 * custodian's custody, and the owner's files coming back. Nothing for any other event.
 */
export function custodyLines(e: PeerEvent): Described[] {
  switch (e.event) {
    case 'handoff-started':
      return [
        [
          'info',
          `handing ${list(e.files)} (${formatBytes(e.bytes)}) to ${e.to} before leaving: nobody else holds them`,
        ],
      ];
    case 'handoff-complete':
      return [['ok', `${e.to} keeps ${list(e.files)} (${formatBytes(e.bytes)}) until this peer is back`]];
    case 'handoff-failed':
      return [['warn', `not handed off: ${list(e.files)}${e.to ? ` (to ${e.to})` : ''}: ${e.reason}`]];
    case 'custody-received':
      return [['ok', `keeping ${list(e.files)} (${formatBytes(e.bytes)}) for ${e.owner}, who left: served from here`]];
    case 'custody-returned':
      return [
        ['info', `${e.owner} is back: gave back ${list(e.files)} (${formatBytes(e.bytes)}) and dropped the copies`],
      ];
    case 'files-returned':
      return [['ok', `back from ${e.from}: ${list(e.files)} (${formatBytes(e.bytes)}) into shared/`]];
    case 'backup-synced':
      return [
        [
          e.missing ? 'info' : 'ok',
          `backup: ${e.files} file${e.files === 1 ? '' : 's'} (${formatBytes(e.bytes)}) kept${e.missing ? `, ${e.missing} still to fetch` : ', all the mesh holds'}`,
        ],
      ];
    default:
      return [];
  }
}
