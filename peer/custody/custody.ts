import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PartialFiles } from '../content/partial-file.js';
import type { Hasher } from '../content/hasher.js';
import type { FileCatalog, HeldFile } from '../files/file-catalog.js';
import type { PeerFolders } from '../files/peer-folders.js';
import type { OriginCheck } from '../mesh/origin-check.js';
import type { ServerLink } from '../mesh/server-link.js';
import type { PeerContext } from '../peer-context.js';
import type { PeerListener } from '../transport/peer-listener.js';
import type { Transport } from '../transport/transport.js';
import { CustodyKeeper } from './custody-keeper.js';
import { CustodyStore, type CustodyEntry } from './custody-store.js';
import { Handoff } from './handoff.js';
import { HandoffBook } from './handoff-book.js';
import { BackupKeeper } from '../backup/backup-keeper.js';
import { BackupStore } from '../backup/backup-store.js';
import type { IndexedFile } from '../../common/wire/server-messages.js';

/** The peer's parts custody works with (peer.ts hands them in). */
export interface CustodyParts {
  folders: PeerFolders;
  hasher: Hasher;
  transport: Transport;
  listener: PeerListener;
  server: ServerLink;
  catalog: FileCatalog;
  origins: OriginCheck;
  /** The custody copies changed: re-list and re-index. */
  changed(): void;
  /** `--backup`: this peer also keeps a copy of every content in the mesh (peer/backup/). */
  backup?: boolean;
}

/**
 * Files that outlive their peer (docs/PROTOCOL.md "Custody"): this peer as an
 * owner hands its unique files to a custodian on `Stop` and takes them back when it returns (handoff.ts), and as a
 * custodian keeps other peers' files apart, serves them, and gives them back (custody-keeper.ts, custody-store.ts).
 */
export class Custody {
  readonly store: CustodyStore;
  private readonly keeper: CustodyKeeper;
  private readonly handoff: Handoff;
  private readonly backup: { store: BackupStore; keeper: BackupKeeper } | undefined;
  private cancelled = false;
  private cancel: (() => void) | undefined;

  constructor(
    ctx: PeerContext,
    private readonly parts: CustodyParts,
  ) {
    const { folders, hasher, transport, listener, server, catalog, origins } = parts;
    this.store = new CustodyStore(join(folders.state, 'custody'));
    // Custody transfers keep their partial files apart: a restart must never resume one into Downloads/.
    const partialDir = join(folders.state, 'custody-partial');
    mkdirSync(partialDir, { recursive: true });
    const fetch = {
      transport,
      hasher,
      partials: new PartialFiles(partialDir),
      self: ctx.self,
      vouch: (path: string) => catalog.vouch(path),
      bandwidth: ctx.bandwidth,
    };
    this.keeper = new CustodyKeeper(ctx, this.store, {
      ...fetch,
      live: () => origins.livePeers(),
      changed: parts.changed,
    });
    this.handoff = new Handoff(ctx, {
      ...fetch,
      plan: () => server.custodyPlan(),
      book: new HandoffBook(folders.state),
      sharedDir: folders.shared,
      held: async () => new Set((await catalog.warm()).map((f) => f.sha256)),
    });
    if (parts.backup) {
      const store = new BackupStore(join(folders.state, 'backup'));
      const index = () => server.files('all', '');
      this.backup = { store, keeper: new BackupKeeper(ctx, store, { ...fetch, index, changed: parts.changed }) };
    }
    listener.on('custody-offer', (channel, body) => void this.keeper.onOffer(channel, body));
    listener.on(
      'custody-return',
      (channel, body) => void this.handoff.onReturn(channel, body).then(() => parts.changed()),
    );
  }

  start(): void {
    this.keeper.start();
    this.backup?.keeper.start();
  }

  /** Before leaving: hands the files only this peer holds to a custodian (until cancelled); then stops keeping. */
  async leave(handOff: boolean): Promise<void> {
    this.keeper.stop();
    this.backup?.keeper.stop();
    if (!handOff || this.cancelled) return;
    await Promise.race([this.handoff.handOff(), new Promise<void>((resolve) => (this.cancel = resolve))]);
  }

  /** Leave without handing off (`Stop now`): ends a handoff under way, or the one to come. */
  cancelHandoff(): void {
    this.cancelled = true;
    this.cancel?.();
  }

  /** Copies kept for others under that name (custody, then the backup), for serving them. */
  serving(name: string): HeldFile[] {
    const catalog = this.parts.catalog;
    const kept = this.store.foldersFor(name).flatMap((dir) => catalog.inFolder(dir, name) ?? []);
    const backed = (this.backup?.store.lookup(name) ?? []).flatMap(({ dir, stored }) => {
      const held = catalog.inFolder(dir, stored);
      return held ? [{ ...held, name }] : [];
    });
    return [...kept, ...backed];
  }

  /** What the index lists besides this peer's own files: custody copies and the backup. */
  indexed(): IndexedFile[] {
    return [...this.store.indexed(), ...(this.backup?.store.indexed() ?? [])];
  }

  /** `{ backup: true }` for a backup peer (`--backup`), as its `ready` event and TOPO entry say; else nothing. */
  role(): { backup?: true } {
    return this.backup ? { backup: true } : {};
  }

  entries(): CustodyEntry[] {
    return this.store.entries();
  }

  room(): number | undefined {
    try {
      return this.store.room();
    } catch {
      return undefined;
    }
  }
}
