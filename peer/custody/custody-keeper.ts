import { describeError } from '../../common/errors.js';
import { formatByteSize } from '../../common/byte-size.js';
import {
  MAX_CUSTODY_FILES,
  peerMessages,
  type CustodyFile,
  type PeerMessages,
} from '../../common/wire/peer-messages.js';
import type { PeerRef } from '../../common/wire/shapes.js';
import { pathProblem } from '../files/relative-path.js';
import type { PeerContext } from '../peer-context.js';
import type { PeerChannel } from '../transport/peer-listener.js';
import type { CustodyStore } from './custody-store.js';
import { fetchInto, type FetchDeps } from './fetch-into.js';

export interface KeeperDeps extends FetchDeps {
  /** The live peers the mesh knows now (a returning owner shows up here, from any address). */
  live(): PeerRef[];
  /** The custody copies changed: the index and the `files` listing follow. */
  changed(): void;
}

/** How often owners are looked for among live peers, and how long before one that did not take its files is asked again. */
const LOOK_EVERY_MS = 1000;
const RETRY_AFTER_MS = 10_000;
const LEAVING_MS = 3000;

const names = (files: CustodyFile[]) => files.map((f) => f.name);
const bytesOf = (files: CustodyFile[]) => files.reduce((sum, f) => sum + f.size, 0);

/**
 * The custodian's side of custody (docs/PROTOCOL.md "Custody"): it takes a leaving owner's files (fetching them,
 * verified, from the owner) into its custody store after checking it has room; and when the owner is live again,
 * proving the same id from wherever it is, it offers them back and drops the copies the owner released.
 */
export class CustodyKeeper {
  private timer: NodeJS.Timeout | undefined;
  /** Owners being given their files back now, and when each was last asked. */
  private readonly returning = new Set<string>();
  private readonly asked = new Map<string, number>();
  /**
   * Owners whose files just arrived, when, and from which address: still live for a moment while they leave. They
   * get them back once seen gone, or back at another address, or once LEAVING_MS went by.
   */
  private readonly leaving = new Map<string, { since: number; at: string }>();

  constructor(
    private readonly ctx: PeerContext,
    private readonly store: CustodyStore,
    private readonly deps: KeeperDeps,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => this.lookForOwners(), LOOK_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A leaving owner offers its files: check who it is and the room, fetch each one, answer with the outcome. */
  async onOffer(channel: PeerChannel, body: PeerMessages['custody-offer']): Promise<void> {
    const owner = body.owner;
    const refuse = (reason: string) => {
      channel.send('decline', { qid: 'custody-offer', reason });
      channel.end();
    };
    if (channel.identity?.id !== owner.id) return refuse('the offer names another id than this connection proved');
    // The owner sends nothing more on this connection while its files are fetched over others: no idle limit here.
    channel.setIdleTimeout(0);
    const files = body.files.filter((f) => !pathProblem(f.name)).slice(0, MAX_CUSTODY_FILES);
    const bytes = bytesOf(files);
    const room = this.store.room();
    if (room < bytes)
      return refuse(`${this.ctx.name} has room for ${formatByteSize(room)}, not for ${formatByteSize(bytes)}`);
    // Still live while its files come over and it leaves: not offered them back meanwhile.
    const at = `${owner.host}:${owner.port}`;
    this.leaving.set(owner.id, { since: Number.POSITIVE_INFINITY, at });
    const results: PeerMessages['custody-result']['files'] = [];
    const taken: CustodyFile[] = [];
    for (const f of files) {
      const row = { event: 'custody-transfer', owner: owner.name, file: f.name, bytes: f.size } as const;
      const progress = (received: number) => this.ctx.emit({ ...row, received, state: 'active' });
      const got = await fetchInto(this.deps, owner, f, this.store.dirOf(owner.id), progress);
      if (got.ok) this.ctx.emit({ ...row, received: f.size, state: 'verified' });
      else this.ctx.emit({ ...row, received: 0, state: 'failed', reason: got.reason });
      results.push({ sha256: f.sha256, ok: got.ok, reason: got.ok ? '' : got.reason.slice(0, 200) });
      if (!got.ok) continue;
      this.store.add(owner, f);
      taken.push(f);
    }
    this.leaving.set(owner.id, { since: Date.now(), at });
    if (taken.length) {
      this.ctx.emit({ event: 'custody-received', owner: owner.name, files: names(taken), bytes: bytesOf(taken) });
      this.deps.changed();
    }
    channel.send('custody-result', { files: results });
    channel.end();
  }

  /** Owners of kept files that are live again get them back, one owner at a time each. */
  private lookForOwners(): void {
    const live = this.deps.live();
    for (const record of this.store.records()) {
      const owner = live.find((p) => p.id === record.owner.id);
      if (!owner) this.leaving.delete(record.owner.id);
      if (!owner || this.stillLeaving(owner) || this.returning.has(owner.id)) continue;
      if (Date.now() - (this.asked.get(owner.id) ?? 0) < RETRY_AFTER_MS) continue;
      this.asked.set(owner.id, Date.now());
      this.returning.add(owner.id);
      void this.giveBack(owner, record.files).finally(() => this.returning.delete(owner.id));
    }
  }

  /** The owner handed its files over moments ago and has not been seen gone, nor back at another address. */
  private stillLeaving(owner: PeerRef): boolean {
    const leaving = this.leaving.get(owner.id);
    if (!leaving || leaving.at !== `${owner.host}:${owner.port}`) return false;
    return Date.now() - leaving.since < LEAVING_MS;
  }

  private async giveBack(owner: PeerRef, files: CustodyFile[]): Promise<void> {
    let channel: PeerChannel;
    try {
      channel = await this.deps.transport.dial(owner, peerMessages, { idleTimeoutMs: 0 });
    } catch (err) {
      return this.ctx.log(`could not reach ${owner.name} to give its files back: ${describeError(err)}`, 'warn');
    }
    if (channel.identity?.id !== owner.id) return void channel.destroy(); // not the owner: it gets nothing
    const released = await new Promise<string[]>((resolve) => {
      channel.once('message', (msg) => resolve(msg.kind === 'custody-released' ? msg.body.files : []));
      channel.once('close', () => resolve([]));
      channel.send('custody-return', { custodian: this.deps.self(), files });
    });
    channel.end();
    const gone = this.store.release(owner.id, released);
    if (gone.length === 0) return;
    this.asked.delete(owner.id);
    this.ctx.emit({ event: 'custody-returned', owner: owner.name, files: names(gone), bytes: bytesOf(gone) });
    this.deps.changed();
  }
}
