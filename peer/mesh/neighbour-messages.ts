import type { Tagged } from '../../common/message-table.js';
import type { PeerMessages } from '../../common/wire/peer-messages.js';
import type { NeighbourLink } from './neighbour-link.js';

/** The rooms a neighbour's message goes to (peer.ts hands them in). */
export interface NeighbourRoutes {
  query(link: NeighbourLink, body: PeerMessages['query']): void;
  topoQuery(link: NeighbourLink, body: PeerMessages['topo-query']): void;
  topoReply(body: PeerMessages['topo-reply']): void;
  traceStep(link: NeighbourLink, body: PeerMessages['trace-step']): void;
  /** A flooded `stop-all` seen for the first time: forward it, then leave. False: a duplicate, dropped. */
  stopAll(link: NeighbourLink, body: PeerMessages['stop-all']): boolean;
  log(message: string, level: 'warn'): void;
}

/**
 * Sends a message that arrived on a neighbour link to the room that handles it (ping, pong and bye are the link's
 * own). Anything else has no business on a neighbour link: that link is closed.
 */
export function routeNeighbourMessage(link: NeighbourLink, msg: Tagged<PeerMessages>, to: NeighbourRoutes): void {
  switch (msg.kind) {
    case 'query':
      return to.query(link, msg.body);
    case 'topo-query':
      return to.topoQuery(link, msg.body);
    case 'topo-reply':
      return to.topoReply(msg.body);
    case 'trace-step':
      return to.traceStep(link, msg.body);
    case 'stop-all':
      to.stopAll(link, msg.body);
      return;
    default:
      to.log(`${link.name} sent an unexpected ${msg.kind} on a neighbour link; closing it`, 'warn');
      link.channel.destroy();
  }
}
