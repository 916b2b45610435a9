import type { PeerEvent } from '../../peer/control/peer-events.js';
import { formatBytes } from '../format.js';
import { fileTable, type Described } from './file-table.js';

/** The answer to `trusted`: the trusted peers, then one row per trusted file (name, size, publisher, SHA-256). */
export function trustedLines(e: Extract<PeerEvent, { event: 'trusted' }>): Described[] {
  if (!e.verified) return [['warn', 'trusted: no trust list from the metadata server yet (it comes with the join)']];
  if (e.peers.length === 0) return [['info', 'trusted: the metadata server trusts no peer (metadata-server --trust)']];
  const peers = e.peers.map((p) => (p.id ? p.name : `${p.name} (not joined yet)`)).join(', ');
  const count = `${e.files.length}${e.complete ? '' : '+'} trusted file${e.files.length === 1 ? '' : 's'}`;
  return [
    ['info', `trusted: peers ${peers}; ${count}`],
    ...fileTable(e.files.map((f) => [f.name, formatBytes(f.size), `${f.publisher}  ${f.sha256.slice(0, 12)}…`])),
  ];
}
