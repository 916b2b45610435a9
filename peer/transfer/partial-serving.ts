import { MAX_WANT } from '../../common/wire/peer-messages.js';
import { Bitfield } from '../content/bitfield.js';
import type { Manifest } from '../content/manifest.js';
import type { PeerRef } from '../../common/wire/shapes.js';
import type { SwarmDownload } from './swarm-download.js';
import { encodeHave } from './availability.js';

/**
 * A download still running, as its uploads see it (docs/PROTOCOL.md "Swarming"): the partial file, the live bitfield
 * of its verified pieces, and its news. Only verified pieces are ever served; a piece's bit is never cleared while
 * it is served (a rescan that forgets pieces runs only once every piece is held, when serving no longer asks).
 */
export interface ServedPartial {
  /** The download's file name, and what it fetches. */
  file: string;
  manifest: Manifest;
  path: string;
  have: Bitfield;
  /** Calls `listener` with each piece verified from now on; returns the unsubscribe. */
  onVerified(listener: (index: number) => void): () => void;
  /** Calls `listener` once the download ends: `complete` (every piece held: uploads go on) or not (they stop). */
  onEnded(listener: (complete: boolean, reason: string) => void): () => void;
  /** A peer fetching the same content asked us: a source to try in turn (checked like any named peer). */
  met(requester: PeerRef): void;
}

/** Empty `have`s every so often tell the requester a source with nothing new is still there. */
const KEEPALIVE_MS = 5000;

/**
 * The announcing half of an upload of a partial file: the offer's bitfield, a `have` for every piece verified
 * after it (sent once the requester took the source on, so none is lost unheard), and the rule that a `want` may
 * name only pieces announced.
 */
export class Announcer {
  private announced: Bitfield;
  private unsubscribe: (() => void)[] = [];
  private keepalive: NodeJS.Timeout | undefined;
  private started = false;

  constructor(
    private readonly partial: ServedPartial,
    private readonly send: (pieces: number[]) => void,
    /** The download stopped without the whole file: the upload ends with this reason. */
    private readonly end: (reason: string) => void,
  ) {
    this.announced = new Bitfield(partial.have.length);
  }

  /** The offer's `have`: what is verified now. */
  offerField(): string {
    this.announced = new Bitfield(this.partial.have.length, this.partial.have.bytes);
    this.unsubscribe.push(
      this.partial.onEnded((complete, reason) => (complete ? undefined : this.end(`its download ended: ${reason}`))),
    );
    return encodeHave(this.announced);
  }

  /** Why a `want` of these pieces is refused (one not announced), or undefined. */
  refusal(pieces: readonly number[]): string | undefined {
    const bad = pieces.find((p) => !this.announced.has(p));
    return bad === undefined ? undefined : `asked for piece ${bad}, which this peer has not announced`;
  }

  /** The requester took this source on (its first `want`): catch up, then announce as pieces are verified. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const news: number[] = [];
    for (let i = 0; i < this.announced.length; i++) if (this.partial.have.has(i)) this.note(i, news);
    this.flush(news);
    this.unsubscribe.push(this.partial.onVerified((i) => this.flush(this.note(i, []))));
    this.keepalive = setInterval(() => this.send([]), KEEPALIVE_MS).unref();
  }

  stop(): void {
    clearInterval(this.keepalive);
    for (const off of this.unsubscribe.splice(0)) off();
  }

  private note(index: number, into: number[]): number[] {
    if (this.announced.set(index)) into.push(index);
    return into;
  }

  private flush(pieces: number[]): void {
    for (let i = 0; i < pieces.length; i += MAX_WANT) this.send(pieces.slice(i, i + MAX_WANT));
  }
}

/**
 * Upload slots of a peer that serves while it downloads: at most `slots` pieces of partial files are being sent at
 * once, the others wait their turn in arrival order (every requester gets turns: no requester is choked for long),
 * so serving others takes a bounded share of the peer's CPU and link from its own download.
 */
export class UploadSlots {
  private busy = 0;
  private readonly queue: (() => void)[] = [];

  constructor(readonly slots = 4) {}

  /** Resolves with the release once a slot is free. */
  async take(): Promise<() => void> {
    if (this.busy >= this.slots) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.busy++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next();
      else this.busy--;
    };
  }
}

/** A running swarm's partial file as its uploads serve it, while it may be served (swarm-download.ts `servable`). */
export function servedPartial(swarm: SwarmDownload | undefined): ServedPartial | undefined {
  const open = swarm?.servable;
  if (!swarm || !open) return undefined;
  return {
    file: swarm.content.file,
    manifest: swarm.content.manifest,
    ...open,
    onVerified: (listener) => {
      swarm.on('verified', listener);
      return () => swarm.off('verified', listener);
    },
    met: (requester) => swarm.emit('peers', `${requester.name}'s own fetch`, [requester], true),
    onEnded: (listener) => {
      const complete = () => listener(true, 'complete');
      const failed = (reason: string) => listener(false, reason);
      swarm.once('complete', complete);
      swarm.once('failed', failed);
      return () => void (swarm.off('complete', complete), swarm.off('failed', failed));
    },
  };
}
