/**
 * A bridge (docs/BEYOND-LAN.md "The bridge"): a member of its office's mesh (bridge/office-peer.ts) that also joins
 * a Hyperswarm topic derived from the mesh key (bridge/bridge-keys.ts), on a DHT reached through explicit bootstrap
 * nodes only (bridge/hyperswarm-engine.ts). Its Noise key pair is its peer's identity key, so its id is the same on
 * both sides. When a search passes through its peer unanswered, it asks each far bridge for the file once (no
 * flood crosses, no hop count either); a far bridge gets the file in its own office, as a peer would, and streams it
 * back; the verified file lands in this bridge's `shared/`, where the office finds it as it finds any file.
 * Requests from far bridges are never passed on to a third office.
 *
 * May import: common/, peer/control/ (events), peer/files/ (identity, names).
 */
import { join } from 'node:path';
import { EventEmitter } from 'eventemitter3';
import { loadMeshKey } from '../common/mesh-key.js';
import { SeenCache } from '../common/seen-cache.js';
import { loadIdentity } from '../peer/files/identity.js';
import { underRoot } from '../peer/files/relative-path.js';
import { bridgeKeys } from './bridge-keys.js';
import { BridgeLink } from './bridge-link.js';
import { loadHyperswarm, type DhtAddress, type DhtNode, type NoiseStream, type Swarm } from './hyperswarm-engine.js';
import { OfficePeer } from './office-peer.js';

export interface BridgeOptions {
  /** The bridge's peer name in its office. */
  name: string;
  /** The bridge's peer folder. */
  dir: string;
  keyFile: string;
  /** DHT bootstrap nodes: required, so nothing is sent to a public node by default. */
  dht: DhtAddress[];
  /** Address and UDP port the bridge's DHT node binds (default all addresses, any port). */
  dhtHost?: string;
  dhtPort?: number;
  /**
   * The bridge's UDP address is reachable from the other bridges as it is (no NAT between them): connect directly
   * rather than holepunch (hyperdht `firewalled: false`).
   */
  dhtReachable?: boolean;
  /** More arguments for the bridge's peer (`--server`, `--host`, …). */
  peerArgs: string[];
  /** Largest file fetched across (default 1 GiB). */
  maxFileBytes?: number;
  /** How long a far office may take to deliver a file (default 120 s). */
  requestTimeoutMs?: number;
}

interface BridgeEvents {
  log: (line: string) => void;
  /** A far bridge proved the mesh key. */
  'link-up': (remoteId: string) => void;
  /** A file asked for in this office arrived from a far office, verified, `ms` after it was asked for. */
  fetched: (file: string, sha256: string, from: string, bytes: number, ms: number) => void;
}

/** A file asked for across and not delivered is not asked for again within this long. */
const ASKED_TTL_MS = 30_000;

export class Bridge extends EventEmitter<BridgeEvents> {
  private dhtNode: DhtNode | undefined;
  private swarm: Swarm | undefined;
  private office: OfficePeer | undefined;
  private readonly links = new Set<BridgeLink>();
  private readonly asked = new SeenCache({ ttlMs: ASKED_TTL_MS, maxEntries: 1000 });
  /** The bridge's id: its peer's, and its Noise public key's. */
  id = '';

  constructor(private readonly options: BridgeOptions) {
    super();
  }

  /** Starts the office peer, then joins the topic. Throws with one sentence when it cannot. */
  async start(): Promise<void> {
    const o = this.options;
    const engine = await loadHyperswarm();
    if (typeof engine === 'string') throw new Error(engine);
    const keys = bridgeKeys(loadMeshKey(o.keyFile));
    const identity = loadIdentity(join(o.dir, '.p2p'));
    const keyPair = engine.keyPair(identity.key.seed());
    if (!keyPair.publicKey.equals(identity.key.publicKey))
      throw new Error('the Noise key made from the identity key has another public key');
    this.id = identity.id;
    const office = new OfficePeer({ name: o.name, dir: o.dir, peerArgs: ['--key-file', o.keyFile, ...o.peerArgs] });
    this.office = office;
    office.on('log', (line) => this.emit('log', line));
    office.on('miss', (file) => void this.fetchAcross(file));
    await office.start();
    const dht = engine.node({
      bootstrap: o.dht,
      host: o.dhtHost,
      port: o.dhtPort,
      keyPair,
      reachable: o.dhtReachable,
    });
    this.dhtNode = dht;
    await dht.ready();
    this.keysForLinks = keys;
    const swarm = engine.swarm({ dht, keyPair, maxPeers: 16, firewall: () => false });
    this.swarm = swarm;
    swarm.on('connection', (stream) => this.onStream(stream));
    await swarm.join(keys.topic, { server: true, client: true }).flushed();
    this.emit('log', `bridge ${this.id} announced on its mesh's topic`);
  }

  private keysForLinks: ReturnType<typeof bridgeKeys> | undefined;

  /** Far bridges whose hello verified. */
  get upLinks(): string[] {
    return [...this.links].filter((l) => l.isUp).map((l) => l.remoteId);
  }

  /** Asks far bridges for `file` (once per ASKED_TTL_MS), one after another until one delivers. */
  async fetchAcross(file: string): Promise<string | undefined> {
    const office = this.office;
    const dest = office && underRoot(office.sharedDir, file);
    if (!dest || !this.asked.add(file, true)) return undefined;
    for (const link of [...this.links].filter((l) => l.isUp)) {
      this.emit('log', `asking bridge ${link.remoteId} for ${file}`);
      const started = Date.now();
      const got = await link.request(file, dest, this.options.requestTimeoutMs ?? 120_000);
      if (typeof got === 'string') {
        this.emit('log', got);
        continue;
      }
      this.emit('log', `${file} arrived from bridge ${link.remoteId} (${got.size} bytes, SHA-256 ${got.sha256})`);
      this.emit('fetched', file, got.sha256, link.remoteId, got.size, Date.now() - started);
      return got.sha256;
    }
    return undefined;
  }

  /** Leaves the swarm (unannouncing, at most `ms`) and stops the office peer, both at once. */
  async stop(ms = 3000): Promise<void> {
    for (const link of this.links) link.close();
    const leave = async () => {
      await this.swarm?.destroy().catch(() => undefined);
      await this.dhtNode?.destroy().catch(() => undefined);
    };
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    await Promise.all([Promise.race([leave(), late]), this.office?.stop()]);
    clearTimeout(timer);
  }

  private onStream(stream: NoiseStream): void {
    const keys = this.keysForLinks;
    const office = this.office;
    if (!keys || !office) {
      stream.destroy();
      return;
    }
    const link = new BridgeLink(stream, keys, {
      helloTimeoutMs: 10_000,
      maxFileBytes: this.options.maxFileBytes ?? 1024 ** 3,
      partialDir: join(this.options.dir, '.p2p', 'bridge-partial'),
      serve: (file) => office.get(file, this.options.requestTimeoutMs ?? 120_000),
    });
    this.links.add(link);
    stream.on('error', () => undefined); // the link reports why it closed
    link.on('log', (line) => this.emit('log', line));
    link.on('up', () => {
      this.emit('log', `bridge ${link.remoteId} proved the mesh key`);
      this.emit('link-up', link.remoteId);
    });
    link.on('close', (reason) => {
      this.links.delete(link);
      this.emit('log', `link to bridge ${link.remoteId} ${reason}`);
    });
  }
}
