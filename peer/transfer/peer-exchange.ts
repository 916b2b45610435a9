import type { PeerRef } from '../../common/wire/shapes.js';
import type { Job, Locator } from './download-job.js';
import { MAX_SOURCES_PER_DOWNLOAD } from './offer-limits.js';

/**
 * Sources a download fills with peers it was told of; the rest, up to MAX_SOURCES_PER_DOWNLOAD, is kept for peers
 * that fetch from it (`requester`), so a latecomer, told to peers already busy, still has peers to serve.
 */
export const TOLD_SOURCES = MAX_SOURCES_PER_DOWNLOAD - 3;
/** Peers one download will consider from `peers` messages over its life; later names are ignored. */
export const MAX_EXCHANGED = 32;

/** Per download: the names considered from exchanges, and the dials under way. */
const state = new WeakMap<Job, { considered: Set<string>; dialling: number }>();

/**
 * Peer exchange, the receiving side (docs/PROTOCOL.md "Swarming"): a source named other peers fetching the same
 * content. Each is dialled only when the mesh knows exactly that peer at that address (the metadata server's live
 * list or a neighbour's hello: peer/mesh/origin-check.ts), never at an address only the message names; the dial then
 * proves its id (ask-holder.ts) and its offer must be of exactly this content (downloads.ts `onOffer`). A download
 * dials peers it was told of while it has fewer than TOLD_SOURCES sources, peers fetching from it while it has fewer
 * than MAX_SOURCES_PER_DOWNLOAD, and considers each name once, MAX_EXCHANGED at most.
 */
export async function exchangePeers(
  job: Job,
  from: string,
  peers: readonly PeerRef[],
  locator: Pick<Locator, 'self' | 'where'>,
  dial: (ref: PeerRef) => Promise<boolean>,
  emit: (kind: 'log', message: string, level: 'info' | 'warn') => void,
  /** The peer named is one fetching from us (partial-serving.ts `met`): it may take the sources kept for that. */
  requester = false,
): Promise<void> {
  const limit = requester ? MAX_SOURCES_PER_DOWNLOAD : TOLD_SOURCES;
  if (job.want.from) return; // `FILE from PEER`: only that peer is a source (content-choice.ts)
  const seen = state.get(job) ?? { considered: new Set<string>(), dialling: 0 };
  state.set(job, seen);
  const self = locator.self().name;
  for (const ref of peers) {
    const swarm = job.swarm;
    if (!swarm || swarm.isFinished || swarm.isFinalizing || job.cancelled) return;
    if (ref.name === self || swarm.hasSource(ref.name) || job.asked.has(ref.name) || seen.considered.has(ref.name))
      continue;
    if (seen.considered.size >= MAX_EXCHANGED) return;
    if (swarm.sourceCount + seen.dialling >= limit) return;
    seen.considered.add(ref.name);
    seen.dialling++; // counted from now: a burst of names does not dial past the limit
    const unchecked = 'this peer cannot check it against the mesh';
    const where = await (locator.where?.(ref) ?? Promise.resolve(unchecked)).catch(String);
    if (typeof where === 'string' || swarm.isFinished || swarm.sourceCount >= limit) {
      seen.dialling--;
      if (typeof where === 'string')
        emit('log', `${from} named ${ref.name} as fetching ${swarm.content.file}: not dialled (${where})`, 'warn');
      continue;
    }
    emit('log', `${from} named ${ref.name} as fetching ${swarm.content.file}: asking it for pieces`, 'info');
    void dial(where).finally(() => seen.dialling--);
  }
}
