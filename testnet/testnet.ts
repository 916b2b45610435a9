import { copyFileSync, mkdirSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { prepareDemoFolders } from '../demo/demo-fixtures.js';
import { LanHosts } from '../harness/lan-hosts.js';
import { Mesh, type PeerProcess } from '../harness/mesh.js';

/**
 * The testnet itself: a metadata server on host `srv` and peers s1..sN on hosts of their own, on an isolated LAN
 * (harness/lan-hosts.ts, isolated mode: the bridge is in a namespace too). The command line, refusals and the reaper
 * are beside it (testnet/main.ts); tests drive this class directly.
 */

export interface TestnetConfig {
  peers: number;
  /** The /24's first three octets, already checked free (testnet/preflight.ts). */
  subnet: string;
  /** Prefix of every namespace: `${tag}-srv`, `${tag}-s1`, ..., `${tag}-sw` (testnet/owner.ts). */
  tag: string;
  maxPeers?: number;
  rateMbit?: number;
  delayMs?: number;
  lossPct?: number;
  /** A folder whose files are dealt out to s2, s3, ...; `'demo'`: the demo's files; undefined: none. */
  files?: string;
  /** More arguments for every peer (tests shorten timeouts). */
  peerArgs?: string[];
  /** More arguments for the metadata server (tests choose `--topology line`). */
  serverArgs?: string[];
  /** Start the peers one after another (a known join order), not all at once. Default false. */
  oneByOne?: boolean;
}

/** Where one host is, as the tool prints it. */
export interface HostInfo {
  name: string;
  namespace: string;
  address: string;
  port: number | undefined;
  dir: string | undefined;
}

/** How long a peer may take to be ready; the joins race, so ten on two busy cores take a few seconds. */
const READY_MS = 30_000;

/**
 * Peers started at once. Fifty node processes starting together on two busy cores starve the metadata server's TLS
 * handshakes past their 3 s deadline, and every retry adds to the load; ten at a time join steadily.
 */
const JOIN_BATCH = 10;

export class Testnet {
  readonly lan: LanHosts;
  readonly mesh = new Mesh();
  readonly names: string[];

  constructor(readonly config: TestnetConfig) {
    this.lan = new LanHosts({ isolated: true, tag: config.tag, subnet: config.subnet });
    this.names = Array.from({ length: config.peers }, (_, i) => `s${i + 1}`);
  }

  /** Every namespace this testnet makes (checked free before, removed after). */
  namespaces(): string[] {
    return this.lan.namesFor(this.names.length + 1, ['srv', ...this.names]);
  }

  /** Host index of a peer (`s3` → 3) or of the server (0). */
  hostOf(name: string): number {
    const i = name === 'srv' ? 0 : this.names.indexOf(name) + 1;
    if (i < 0 || (i === 0 && name !== 'srv')) throw new Error(`no host ${name} on this testnet`);
    return i;
  }

  /**
   * Makes the hosts, shapes their links, starts the server and every peer; resolves when all are ready and have
   * hashed what they share (so the index lists it and a search right away finds it).
   */
  async start(): Promise<void> {
    this.lan.up(this.names.length + 1, ['srv', ...this.names]);
    const { rateMbit, delayMs, lossPct } = this.config;
    for (let i = 0; i <= this.names.length; i++) {
      if (delayMs !== undefined || lossPct !== undefined) this.lan.impair(i, { rateMbit, delayMs, lossPct });
      else if (rateMbit !== undefined) this.lan.shape(i, { upMbit: rateMbit, downMbit: rateMbit });
    }
    this.seed();
    const maxPeers = String(this.config.maxPeers ?? Math.max(10, this.names.length));
    const serverArgs = ['--host', this.lan.address(0), '--max-peers', maxPeers, ...(this.config.serverArgs ?? [])];
    await this.mesh.startServer(serverArgs, this.lan.exec(0));
    if (this.config.oneByOne) for (const name of this.names) await this.startPeer(name);
    else {
      for (let i = 0; i < this.names.length; i += JOIN_BATCH) {
        await Promise.all(this.names.slice(i, i + JOIN_BATCH).map((name) => this.startPeer(name)));
      }
    }
  }

  /** Starts (or starts again) peer `name` on its host with its folder; resolves when it is ready and hashed. */
  async startPeer(name: string, extra: string[] = []): Promise<PeerProcess> {
    const i = this.hostOf(name);
    const host = this.addressOf(name);
    const peer = await this.mesh.startPeer(
      name,
      ['--host', host, ...(this.config.peerArgs ?? []), ...extra],
      false,
      this.lan.exec(i),
    );
    await peer.waitFor('ready', READY_MS);
    await peer.waitHashed(READY_MS);
    return peer;
  }

  /** A host's current address (it changes with `readdress`). */
  addressOf(name: string): string {
    return this.current.get(name) ?? this.lan.address(this.hostOf(name));
  }

  private readonly current = new Map<string, string>();

  /** Host `name` gets a new address (its processes must be restarted to use it). */
  readdress(name: string, address: string): void {
    this.lan.readdress(this.hostOf(name), address);
    this.current.set(name, address);
  }

  peer(name: string): PeerProcess {
    return this.mesh.peer(name);
  }

  hosts(): HostInfo[] {
    const server = this.mesh.serverAddress;
    const rows: HostInfo[] = [
      {
        name: 'srv',
        namespace: this.lan.namespaces[0] ?? '',
        address: this.addressOf('srv'),
        port: server ? Number(server.slice(server.lastIndexOf(':') + 1)) : undefined,
        dir: undefined,
      },
    ];
    for (const name of this.names) {
      const p = this.mesh.peers.get(name);
      const ready = p?.events.findLast((e) => e.event === 'ready');
      rows.push({
        name,
        namespace: this.lan.namespaces[this.hostOf(name)] ?? '',
        address: this.addressOf(name),
        port: ready?.event === 'ready' ? ready.port : undefined,
        dir: this.mesh.dirOf(name),
      });
    }
    return rows;
  }

  /**
   * Ends everything: each peer is told `Stop now` (a leave without handing files off: the whole mesh is going),
   * given `graceMs` to exit, then whatever still runs is killed, the folders removed and the hosts deleted.
   */
  async stop(graceMs = 3000): Promise<void> {
    const running = [...this.mesh.peers.values()].filter((p) => p.exitCode === undefined);
    for (const p of running) {
      try {
        p.send('Stop now');
      } catch {
        // its stdin is gone: it will be killed below
      }
    }
    await Promise.all(running.map((p) => p.waitExit(graceMs).catch(() => undefined)));
    this.mesh.server?.kill('SIGTERM');
    await this.mesh.close();
    this.lan.down();
  }

  /** What synchronous cleanup can still do when the process is exiting: kill, delete the hosts. */
  stopNow(): void {
    for (const p of this.mesh.peers.values()) p.kill('SIGKILL');
    this.mesh.server?.kill('SIGKILL');
    this.lan.down();
  }

  /** The files: the demo's (s2–s5 hold some) or a folder's, dealt out to s2, s3, ... (s1 starts empty). */
  private seed(): void {
    const from = this.config.files;
    if (from === undefined) return;
    if (from === 'demo') {
      prepareDemoFolders(this.mesh.root);
      return;
    }
    const holders = this.names.length > 1 ? this.names.slice(1) : this.names;
    const past = new Date(Date.now() - 60_000); // long in place: offered at once (docs/CONTRACT.md "Folders")
    const files = readdirSync(from).filter((f) => statSync(join(from, f)).isFile());
    files.forEach((file, k) => {
      const shared = join(this.mesh.dirOf(holders[k % holders.length]!), 'shared');
      mkdirSync(shared, { recursive: true });
      copyFileSync(join(from, file), join(shared, file));
      utimesSync(join(shared, file), past, past);
    });
  }
}
