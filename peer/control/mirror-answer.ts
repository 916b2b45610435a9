import type { PeerEventBody, PeerEventReport } from './peer-events.js';

type MirrorStatus = Extract<PeerEventBody, { event: 'mirror-status' }>;

/**
 * The answer to `mirror` (docs/CONTRACT.md "Peer commands"): the latest `mirror-status` this peer emitted, sent again.
 * It only watches the peer's own events, so it needs nothing of the mirror itself: a peer whose `ready` said
 * `mirror: true` answers with its last status (no owners before the first), any other peer with an error.
 */
export class MirrorAnswer {
  private mirror = false;
  private last: MirrorStatus | null = null;

  /** `subscribe`: the peer's own events (PeerHandle.subscribe). */
  constructor(subscribe: (listener: (event: PeerEventReport) => void) => void) {
    subscribe((event) => this.note(event));
  }

  private note(body: PeerEventReport): void {
    if (body.event === 'ready') this.mirror = body.mirror === true;
    else if (body.event === 'mirror-status') this.last = { event: 'mirror-status', owners: body.owners };
  }

  answer(): PeerEventBody {
    if (this.last) return this.last;
    if (this.mirror) return { event: 'mirror-status', owners: [] };
    return { event: 'error', message: 'this peer does not mirror: start it with --mirror' };
  }
}
