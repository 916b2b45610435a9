/**
 * Two offices and the internet between them, for the bridge's tests and bench (docs/BEYOND-LAN.md "The bridge"):
 * office A and office B are LANs of network namespaces (harness/lan-hosts.ts), each with its own metadata server
 * (in the root namespace, on that LAN's bridge address) and one mesh key for both; host 0 of each is a peer's, host 1
 * the bridge's. The bridges' hosts are also plugged into a third LAN, the internet (harness/wan-link.ts), whose
 * host 0 runs the private DHT (`peer-bridge dht-node`). Nothing routes between the LANs. `close()` stops every
 * process and removes every namespace.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LanHosts } from './lan-hosts.js';
import { Mesh, type PeerProcess } from './mesh.js';
import { plugInto } from './wan-link.js';

/** The compiled `peer-bridge` command. */
export const BRIDGE_MAIN = fileURLToPath(new URL('../bridge/main.js', import.meta.url));
/** The UDP port of the first DHT node, on the internet's host 0 (its own namespace: no clash between runs). */
const DHT_PORT = 49737;

/** A `peer-bridge` process: its JSON lines and its stderr. */
export class BridgeProcess {
  readonly events: Record<string, unknown>[] = [];
  stderr = '';
  readonly child: ChildProcess;
  private waiters: { event: string; resolve: () => void }[] = [];

  /** `wrap` prefixes the command (`ip netns exec NS`). */
  constructor(wrap: string[], args: string[]) {
    const argv = [...wrap, process.execPath, BRIDGE_MAIN, ...args];
    this.child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      let e: Record<string, unknown>;
      try {
        e = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      this.events.push(e);
      this.waiters = this.waiters.filter((w) => (w.event === e.event ? (w.resolve(), false) : true));
    });
    this.child.stderr!.on('data', (d) => (this.stderr += d));
  }

  /** The first (or, with `from`, the first from that index on) event named `event`, waited for up to `timeoutMs`. */
  waitFor(event: string, timeoutMs: number, from = 0): Promise<Record<string, unknown>> {
    const find = () => this.events.slice(from).find((e) => e.event === event);
    const past = find();
    if (past) return Promise.resolve(past);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${event} within ${timeoutMs} ms; stderr: ${this.stderr.slice(-1500)}`)),
        timeoutMs,
      );
      this.waiters.push({ event, resolve: () => (clearTimeout(timer), resolve(find()!)) });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

export interface Office {
  lan: LanHosts;
  mesh: Mesh;
  /** The office peer's address (host 0) and the bridge's on the office LAN (host 1) and on the internet. */
  peerHost: string;
  bridgeHost: string;
  bridgeWan: string;
}

export class TwoOffices {
  a: Office | undefined;
  b: Office | undefined;
  internet: LanHosts | undefined;
  dhtHost = '';
  private readonly processes: BridgeProcess[] = [];

  /** Makes both offices, their servers and the internet with its DHT nodes. */
  async up(): Promise<void> {
    const [meshA, meshB] = [new Mesh(), new Mesh()];
    // Each LAN picks a free subnet when made: make the next one only once the last is up. Its tag (link and
    // namespace names) is the pid and a random number below 100: three in one process could meet, so retry.
    const tags = new Set<string>();
    const lanHosts = (): LanHosts => {
      for (;;) {
        const lan = new LanHosts();
        if (!tags.has(lan.tag)) return (tags.add(lan.tag), lan);
      }
    };
    const office = (mesh: Mesh): Office => {
      const lan = lanHosts();
      const [peerHost, bridgeHost] = lan.up(2);
      return { lan, mesh, peerHost: peerHost!, bridgeHost: bridgeHost!, bridgeWan: '' };
    };
    this.a = office(meshA);
    this.b = office(meshB);
    this.internet = lanHosts();
    this.dhtHost = this.internet.up(1)[0]!;
    this.a.bridgeWan = plugInto(this.internet, this.a.lan.namespaces[1]!, 50);
    this.b.bridgeWan = plugInto(this.internet, this.b.lan.namespaces[1]!, 51);
    for (const o of [this.a, this.b]) await o.mesh.startServer(['--host', o.lan.gateway, ...this.keyArgs]);
    const dht = this.spawn(this.internet.exec(0), ['dht-node', '--host', this.dhtHost, '--port', String(DHT_PORT)]);
    await dht.waitFor('dht-node-ready', 15_000);
  }

  /** One mesh key for both offices: office A's. */
  get keyArgs(): string[] {
    return ['--key-file', this.a!.mesh.keyFile!];
  }

  /** Starts the office's peer NAME on its host 0. */
  startPeer(o: Office, name: string): Promise<PeerProcess> {
    return o.mesh.startPeer(name, ['--host', o.peerHost, ...this.keyArgs], true, o.lan.exec(0));
  }

  /**
   * Starts the office's bridge NAME on its host 1: its peer joins the office's server, its DHT node binds its
   * internet address and bootstraps from the internet's DHT only. No NAT here (this kernel has no iptables or nft):
   * the bridges' internet addresses are reachable as they are (`--dht-reachable`).
   */
  startBridge(o: Office, name: string): BridgeProcess {
    return this.spawn(o.lan.exec(1), [
      name,
      '--dir',
      join(o.mesh.root, name),
      ...this.keyArgs,
      '--dht',
      `${this.dhtHost}:${DHT_PORT}`,
      '--dht-host',
      o.bridgeWan,
      '--dht-reachable',
      '--',
      '--server',
      o.mesh.serverAddress,
      '--host',
      o.bridgeHost,
      '--query-timeout',
      '2000',
    ]);
  }

  async close(): Promise<void> {
    for (const p of this.processes) await p.stop();
    for (const o of [this.a, this.b]) await o?.mesh.close();
    this.internet?.down();
    this.b?.lan.down();
    this.a?.lan.down();
  }

  private spawn(wrap: string[], args: string[]): BridgeProcess {
    const p = new BridgeProcess(wrap, args);
    this.processes.push(p);
    return p;
  }
}
