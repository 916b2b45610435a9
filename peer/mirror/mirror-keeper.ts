import { join } from 'node:path';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import type { PeerRef } from '../../common/wire/shapes.js';
import type { MirrorOwnerStatus } from '../control/peer-events.js';
import type { PeerContext } from '../peer-context.js';
import type { Dialer } from '../transport/transport.js';
import { CopyCheck } from './copy-check.js';
import { MirrorBook } from './mirror-book.js';
import { sweepPartials } from './partial-sweep.js';
import { MirrorStatus } from './mirror-status.js';
import type { MirrorWriter } from './mirror-writer.js';
import { OwnerSync, type OwnerSyncOptions } from './owner-sync.js';

export interface MirrorKeeperDeps {
  transport: Dialer;
  writer: MirrorWriter;
  /** The members live now (neighbours and the metadata server's list): the owners to mirror. */
  live(): PeerRef[];
  /** `.p2p/mirror/`: one book per owner. */
  bookDir: string;
  /** `.p2p/mirror-partial/`. */
  partialDir: string;
}

export interface MirrorKeeperOptions extends OwnerSyncOptions {
  /** How often a connected owner's copies are looked at for local deletions and edits (copy-check.ts). Default 60 s. */
  checkEveryMs?: number;
  /** How often the live members are looked at. Default 1000 ms. */
  lookEveryMs?: number;
  /** Wait before dialling an owner again after its connection ended. Default 2000 ms; 30 s after a refusal. */
  retryMs?: number;
  refusedRetryMs?: number;
}

/** After a full round, partial files written to this recently are left (a request may still be writing them). */
const SWEEP_QUIET_MS = 60_000;

interface Owner {
  book: MirrorBook;
  sync?: OwnerSync;
  retryAt: number;
  state: MirrorOwnerStatus['state'];
  problem?: string;
  lastChange: number | null;
  done: { files: number; bytes: number };
}

/**
 * The mirror peer's side (`--mirror`, docs/PROTOCOL.md "Mirror"): for every other member it keeps one connection
 * (owner-sync.ts) while that member is live, dialled again after a break (later after a refusal), and keeps
 * `Mirror/OWNER/` in step. Owners mirrored before and not live now are shown `offline`. It reports `mirror` and
 * `mirror-status` events.
 */
export class MirrorKeeper {
  private readonly owners = new Map<string, Owner>();
  private timer: NodeJS.Timeout | undefined;
  private readonly status: MirrorStatus;

  constructor(
    private readonly ctx: PeerContext,
    private readonly deps: MirrorKeeperDeps,
    private readonly options: MirrorKeeperOptions = {},
  ) {
    mkdirSync(deps.bookDir, { recursive: true });
    mkdirSync(deps.partialDir, { recursive: true });
    // Small files' partial files of a run that ended are never resumed.
    for (const f of readdirSync(deps.partialDir))
      if (f.endsWith('.tmp')) rmSync(`${deps.partialDir}/${f}`, { force: true });
    for (const name of MirrorBook.owners(deps.bookDir)) this.owner(name);
    // Partial files of content superseded or dropped while this peer was away go (peer/mirror/partial-sweep.ts).
    sweepPartials(deps.partialDir, this.books());
    this.status = new MirrorStatus(
      () => this.read(),
      (owners) => ctx.emit({ event: 'mirror-status', owners }),
    );
  }

  start(): void {
    this.deps.writer.ensure();
    this.timer ??= setInterval(() => this.look(), this.options.lookEveryMs ?? 1000);
    this.look();
    this.status.changed(true);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.status.stop();
    for (const o of this.owners.values()) {
      o.sync?.channel?.end();
      o.book.save();
    }
  }

  private books(): Map<string, MirrorBook> {
    return new Map([...this.owners].map(([name, o]) => [name, o.book]));
  }

  private owner(name: string): Owner {
    let o = this.owners.get(name);
    if (!o) {
      const book = new MirrorBook(name, MirrorBook.fileOf(this.deps.bookDir, name));
      o = { book, retryAt: 0, state: 'offline', lastChange: null, done: { files: 0, bytes: 0 } };
      this.owners.set(name, o);
    }
    return o;
  }

  private look(): void {
    if (!this.timer) return;
    const self = this.ctx.name;
    const now = Date.now();
    for (const ref of this.deps.live()) {
      if (ref.name === self || ref.id === this.ctx.id) continue;
      const o = this.owner(ref.name);
      if (o.sync || now < o.retryAt) continue;
      void this.connect(o, ref);
    }
  }

  private async connect(o: Owner, ref: PeerRef): Promise<void> {
    const sync = new OwnerSync(
      ref,
      o.book,
      {
        ...this.deps,
        self: this.ctx.self,
        report: (outcome) => {
          o.lastChange = Date.now();
          this.ctx.emit({ event: 'mirror', owner: ref.name, ...outcome });
        },
        log: this.ctx.log,
        changed: (maybeState) => this.status.changed(maybeState),
        roundApplied: () => void sweepPartials(this.deps.partialDir, this.books(), ref.name, SWEEP_QUIET_MS),
      },
      this.options,
    );
    o.sync = sync;
    o.done = sync.done;
    this.status.changed(true);
    // Copies deleted or edited here are fetched again, looked for on connect and then periodically.
    const root = join(this.deps.writer.root, ref.name);
    const check = new CopyCheck(o.book, root, (paths) => sync.refetch(paths), this.options.checkEveryMs);
    check.start();
    await sync.run();
    check.stop();
    o.sync = undefined;
    o.problem = sync.refused ?? sync.problem;
    o.state = sync.refused ? 'refused' : 'offline';
    const wait = sync.refused ? (this.options.refusedRetryMs ?? 30_000) : (this.options.retryMs ?? 2000);
    o.retryAt = Date.now() + wait;
    this.status.changed(true);
  }

  private read(): MirrorOwnerStatus[] {
    return [...this.owners.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([owner, o]) => {
        const behind = o.sync ? o.sync.behind : o.book.behind();
        const open = o.sync?.channel?.isOpen === true;
        const state = open ? (o.sync!.synced && behind === 0 ? 'in-sync' : 'syncing') : o.sync ? 'syncing' : o.state;
        if (state === 'syncing' && o.state !== 'syncing' && o.sync) {
          // A new round of syncing: `done` counts from here.
          o.sync.done.files = 0;
          o.sync.done.bytes = 0;
        }
        o.state = state;
        const problem = o.sync ? (o.sync.refused ?? o.sync.problem ?? o.sync.cases.problem()) : o.problem;
        const held = o.book.held();
        return {
          owner,
          state,
          version: o.book.seq,
          behind,
          ...held,
          total: o.book.total(),
          done: { ...o.done },
          lastChange: o.sync?.lastChange ?? o.lastChange,
          ...(problem ? { problem } : {}),
        };
      });
  }
}
