import { join } from 'node:path';
import type { PeerRef } from '../../common/wire/shapes.js';
import type { FileCatalog } from '../files/file-catalog.js';
import type { PeerFolders } from '../files/peer-folders.js';
import type { PeerContext } from '../peer-context.js';
import type { PeerListener } from '../transport/peer-listener.js';
import type { Transport } from '../transport/transport.js';
import { ManifestPublisher } from './manifest-publisher.js';
import { MirrorKeeper, type MirrorKeeperOptions } from './mirror-keeper.js';
import { MirrorServe } from './mirror-serve.js';
import { MirrorWriter } from './mirror-writer.js';
import { OwnerManifest } from './owner-manifest.js';

/** The peer's parts the mirror room works with (peer.ts hands them in). */
export interface MirrorParts {
  folders: PeerFolders;
  catalog: FileCatalog;
  transport: Transport;
  listener: PeerListener;
  /** The members live now: a mirror's owners. */
  live(): PeerRef[];
  /** `--mirror`: this peer keeps `Mirror/OWNER/` for every other member. */
  mirror?: boolean;
  keeper?: MirrorKeeperOptions;
}

/**
 * Mirrors (docs/PROTOCOL.md "Mirror"): every peer publishes its `shared/` tree as a versioned manifest
 * (manifest-publisher.ts, owner-manifest.ts) and serves it to mirrors that connect (mirror-serve.ts); a `--mirror`
 * peer also keeps `Mirror/OWNER/`, a receive-only copy of every other member's tree (mirror-keeper.ts).
 */
export class Mirror {
  readonly publisher: ManifestPublisher;
  private readonly serves = new Set<MirrorServe>();
  private readonly keeper: MirrorKeeper | undefined;

  constructor(ctx: PeerContext, parts: MirrorParts) {
    const { folders, catalog, transport, listener } = parts;
    const manifest = new OwnerManifest(join(folders.state, 'mirror-manifest.json'));
    this.publisher = new ManifestPublisher(ctx, catalog, manifest);
    this.publisher.on('changed', () => this.serves.forEach((s) => s.changed()));
    listener.on('mirror-since', (channel, body) => {
      // Mirror traffic counts against the peer's caps like every transfer (peer/transfer/bandwidth.ts).
      const serve = new MirrorServe(ctx, ctx.bandwidth.attach(channel, 'up'), manifest, folders.shared, body);
      this.serves.add(serve);
      channel.once('close', () => this.serves.delete(serve));
    });
    if (parts.mirror) {
      const writer = new MirrorWriter(join(folders.root, 'Mirror'));
      const dirs = { bookDir: join(folders.state, 'mirror'), partialDir: join(folders.state, 'mirror-partial') };
      const dialer = ctx.bandwidth.dialer(transport, 'down');
      this.keeper = new MirrorKeeper(ctx, { transport: dialer, writer, live: parts.live, ...dirs }, parts.keeper);
    }
    // Started at once: it publishes from the catalog's first listing, and dials owners once members are known.
    this.publisher.schedule();
    this.keeper?.start();
  }

  stop(): void {
    this.publisher.stop();
    this.keeper?.stop();
    this.serves.forEach((s) => s.close());
  }

  /** `{ mirror: true }` for a mirror peer (`--mirror`), as its `ready` event and TOPO entry say; else nothing. */
  role(): { mirror?: true } {
    return this.keeper ? { mirror: true } : {};
  }
}
