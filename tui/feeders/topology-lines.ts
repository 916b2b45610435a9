import type { PeerEvent } from '../../peer/control/peer-events.js';
import { padEndColumns, textWidth } from '../text-width.js';
import type { Described } from './file-table.js';

/** The answer to `TOPO` in the log: one row per peer, by name, with its address and neighbours, and its role. */
export function topologyLines(e: Extract<PeerEvent, { event: 'topology' }>): Described[] {
  const width = Math.max(4, ...e.peers.map((p) => textWidth(p.name)));
  const role = (p: (typeof e.peers)[number]) => `${p.backup ? '  (backup peer)' : ''}${p.mirror ? '  (mirror)' : ''}`;
  return [
    ['info', `mesh topology: ${e.peers.length} peer${e.peers.length === 1 ? '' : 's'}`],
    ...[...e.peers]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((p): Described => [
        'info',
        `  ${padEndColumns(p.name, width)}  ${`${p.host}:${p.port}`.padEnd(21)}  ↔ ${
          p.neighbours.length > 0 ? p.neighbours.join(', ') : '(no neighbours)'
        }${role(p)}`,
      ]),
  ];
}
