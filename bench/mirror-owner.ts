/**
 * An owner for the mirror bench without a file catalog: the real owner side of the mirror room (OwnerManifest and
 * MirrorServe, peer/mirror/) behind a real Transport and PeerListener, with the manifest built by hashing the folder
 * here. It links to the mirror as a neighbour (so the mirror learns it is live, like FakePeer in the tests) and is
 * then dialled as an owner. The peer's own file catalog is left out on purpose: at 10,000 files and more its
 * start-up hashing is the owner's bottleneck, measured apart (docs/performance.md "Mirror").
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { MeshMode } from '../common/mesh-tls.js';
import { SigningKey } from '../common/signing-key.js';
import { peerMessages } from '../common/wire/peer-messages.js';
import { MirrorServe } from '../peer/mirror/mirror-serve.js';
import { OwnerManifest, type CurrentFile } from '../peer/mirror/owner-manifest.js';
import type { PeerContext } from '../peer/peer-context.js';
import { Bandwidth } from '../peer/transfer/bandwidth.js';
import { PeerListener } from '../peer/transport/peer-listener.js';
import { Transport } from '../peer/transport/transport.js';

export class ScriptedOwner {
  readonly key = SigningKey.generate();
  readonly manifest: OwnerManifest;
  readonly served: MirrorServe[] = [];
  /** When the first mirror asked (`mirror-since`), ms (performance.now()). */
  askedAt = 0;
  private readonly transport: Transport;
  private readonly listener: PeerListener;
  private readonly closers: (() => void)[] = [];

  constructor(
    readonly name: string,
    readonly shared: string,
    stateFile: string,
    mesh: MeshMode,
  ) {
    this.transport = new Transport({ mesh, identity: this.key });
    this.listener = new PeerListener(this.transport, { maxConnections: 8 });
    this.manifest = new OwnerManifest(stateFile);
  }

  /** Hashes every file of the (flat) folder into the manifest; returns how many. */
  publish(): number {
    const files = this.current();
    this.manifest.apply(files);
    return files.length;
  }

  private current(): CurrentFile[] {
    return readdirSync(this.shared).map((path) => {
      const full = join(this.shared, path);
      const st = statSync(full);
      const sha256 = createHash('sha256').update(readFileSync(full)).digest('hex');
      return { path, size: st.size, sha256, mtimeMs: Math.round(st.mtimeMs), ino: st.ino };
    });
  }

  /** Publishes the folder as it is now and tells connected mirrors (what ManifestPublisher does for a peer). */
  changed(): void {
    if (this.manifest.apply(this.current())) this.served.forEach((m) => m.changed());
  }

  async start(mirrorPort: number): Promise<void> {
    const ref = () => ({ name: this.name, id: this.key.id, host: '127.0.0.1', port: this.listener.port ?? 1 });
    const ctx: PeerContext = {
      name: this.name,
      id: this.key.id,
      self: ref,
      info: () => ({ ...ref(), neighbours: [] }),
      emit: () => undefined,
      log: (message) => console.error(`owner ${this.name}: ${message}`),
      bandwidth: new Bandwidth(),
    };
    this.listener.on('mirror-since', (channel, body) => {
      this.askedAt ||= performance.now();
      this.served.push(new MirrorServe(ctx, channel, this.manifest, this.shared, body));
    });
    await this.listener.listen('127.0.0.1', 0);
    const link = await this.transport.dial({ host: '127.0.0.1', port: mirrorPort }, peerMessages);
    link.on('message', (m) => void (m.kind === 'ping' && link.send('pong', { n: m.body.n })));
    link.send('hello', { ...ref(), neighbours: [] });
    this.closers.push(() => link.destroy());
  }

  stop(): void {
    this.closers.forEach((c) => c());
    this.served.forEach((s) => s.close());
    this.listener.stop();
  }
}
