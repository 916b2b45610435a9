import { MAX_EXCHANGE } from '../../common/wire/peer-messages.js';
import type { PeerRef } from '../../common/wire/shapes.js';

/** Requesters of one content remembered at once; a newcomer beyond them is served but not introduced. */
const MAX_MEMBERS = 64;

interface Member {
  ref: PeerRef;
  tell: (peers: PeerRef[]) => void;
}

/**
 * Peer exchange, the sending side (docs/PROTOCOL.md "Swarming"): the requesters this peer serves now, by content.
 * A requester that took us on hears of the (at most 8) latest others fetching the same content, and each of those
 * hears of it: downloaders of a flash crowd find each other through the holder they all reached. The refs are the
 * ones each requester's own connection proved the id of; receivers check them against the mesh before dialling.
 */
export class Crowd {
  private readonly byContent = new Map<string, Map<string, Member>>();

  /** `ref` is fetching `sha256` from us and listens; returns the call that forgets it (its upload ended). */
  join(sha256: string, ref: PeerRef, tell: (peers: PeerRef[]) => void): () => void {
    const members = this.byContent.get(sha256) ?? new Map<string, Member>();
    const others = [...members.values()].filter((m) => m.ref.name !== ref.name).slice(-MAX_EXCHANGE);
    tell(others.map((m) => m.ref));
    for (const m of others) m.tell([ref]);
    if (members.size >= MAX_MEMBERS && !members.has(ref.name)) return () => undefined;
    const me: Member = { ref, tell };
    members.delete(ref.name); // re-inserted last: the latest are introduced
    members.set(ref.name, me);
    this.byContent.set(sha256, members);
    return () => {
      if (members.get(ref.name) !== me) return;
      members.delete(ref.name);
      if (members.size === 0 && this.byContent.get(sha256) === members) this.byContent.delete(sha256);
    };
  }
}
