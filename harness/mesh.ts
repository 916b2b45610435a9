/**
 * End-to-end harness: real metadata server and peer processes (compiled JS) on loopback, driven through headless
 * mode. Every wait is bounded; `close()` kills whatever is still running and removes the temporary folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createMeshKey } from '../common/mesh-key.js';
import { keyedMesh, OPEN_MESH, type MeshMode } from '../common/mesh-tls.js';
import type { PeerEvent } from '../peer/control/peer-events.js';
import { startServer, type ServerProcess } from './server-process.js';

const DIST = fileURLToPath(new URL('../', import.meta.url));
export const PEER_BIN = join(DIST, 'peer', 'main.js');

/** SHA-256 of a file of any size, read in 4 MiB blocks (memory stays flat). */
export function sha256File(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  const block = Buffer.allocUnsafe(4 * 1024 * 1024);
  try {
    for (let n; (n = readSync(fd, block, 0, block.length, null)) > 0;) hash.update(block.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A random range of 200 peer ports in 20000–59999, so parallel runs rarely meet (busy ports are skipped anyway). */
export function randomPortRange(): string {
  const base = 20000 + Math.floor(Math.random() * 200) * 200;
  return `${base}-${base + 199}`;
}

type Predicate = (e: PeerEvent) => boolean;

export class PeerProcess {
  readonly events: PeerEvent[] = [];
  stderr = '';
  exitCode: number | null | undefined;
  /** Called with every event as it arrives (the testnet prints them). */
  onEvent: ((e: PeerEvent) => void) | undefined;
  private waiters: { pred: Predicate; resolve: (e: PeerEvent) => void }[] = [];
  private exitWaiters: ((code: number | null) => void)[] = [];

  constructor(
    readonly name: string,
    readonly dir: string,
    readonly child: ChildProcess,
  ) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let e: PeerEvent;
      try {
        e = JSON.parse(line) as PeerEvent;
      } catch {
        return;
      }
      this.events.push(e);
      this.onEvent?.(e);
      this.waiters = this.waiters.filter((w) => (w.pred(e) ? (w.resolve(e), false) : true));
    });
    child.stderr!.on('data', (d) => (this.stderr += d));
    child.on('exit', (code) => {
      this.exitCode = code;
      for (const w of this.exitWaiters) w(code);
    });
  }

  /** The port it listens on, from its `ready` event (throws before it is ready). */
  get port(): number {
    const ready = this.events.find((e) => e.event === 'ready');
    if (ready?.event !== 'ready') throw new Error(`${this.name} is not ready yet`);
    return ready.port;
  }

  send(line: string): void {
    this.child.stdin!.write(line + '\n');
  }

  /** Resolves with the first event (past or future, after index `from`) that matches. */
  waitFor(pred: Predicate | PeerEvent['event'], timeoutMs = 10_000, from = 0): Promise<PeerEvent> {
    const p: Predicate = typeof pred === 'string' ? (e) => e.event === pred : pred;
    const past = this.events.slice(from).find(p);
    if (past) return Promise.resolve(past);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `${this.name}: no matching event within ${timeoutMs} ms; last: ${JSON.stringify(this.events.slice(-4))} stderr: ${this.stderr.slice(-500)}`,
            ),
          ),
        timeoutMs,
      );
      this.waiters.push({ pred: p, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  }

  /** Sends a command and waits for the first matching event after it. */
  async ask(line: string, pred: Predicate | PeerEvent['event'], timeoutMs = 10_000): Promise<PeerEvent> {
    const from = this.events.length;
    this.send(line);
    return this.waitFor(pred, timeoutMs, from);
  }

  /** Resolves once the peer has hashed its held files and told the index (it offers them instantly from then on). */
  waitHashed(timeoutMs = 30_000): Promise<PeerEvent> {
    return this.waitFor((e) => e.event === 'log' && /^hashes ready for \d+ held files?\b/.test(e.message), timeoutMs);
  }

  waitExit(timeoutMs = 10_000): Promise<number | null> {
    if (this.exitCode !== undefined) return Promise.resolve(this.exitCode);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not exit within ${timeoutMs} ms`)), timeoutMs);
      this.exitWaiters.push((code) => (clearTimeout(timer), resolve(code)));
    });
  }

  /** Current neighbour names according to this peer's own events. */
  neighbours(): string[] {
    const set = new Set<string>();
    for (const e of this.events) {
      if (e.event === 'ready') e.neighbours.forEach((n) => set.add(n));
      if (e.event === 'neighbour-up') set.add(e.name);
      if (e.event === 'neighbour-down') set.delete(e.name);
    }
    return [...set].sort();
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.exitCode === undefined) this.child.kill(signal);
  }
}

export interface MeshOptions {
  /** Run every process with `--open` (no mesh key). Default: keyed, with a key in the mesh's temporary folder. */
  open?: boolean;
}

export class Mesh {
  readonly root = mkdtempSync(join(tmpdir(), 'p2p-e2e-'));
  /** The mesh key's file (in `root`), or undefined for an open mesh. */
  readonly keyFile: string | undefined;
  /** The mesh key, or undefined for an open mesh. */
  readonly key: Buffer | undefined;
  server: ChildProcess | undefined;
  serverAddress = '';
  private serverProcess: ServerProcess | undefined;
  readonly peers = new Map<string, PeerProcess>();

  /** Keyed by default: every process gets `--key-file` of a key made here, never the current directory's. */
  constructor(options: MeshOptions = {}) {
    if (options.open) return;
    this.keyFile = join(this.root, 'mesh.key');
    this.key = createMeshKey(this.keyFile);
  }

  /** The mesh's mode, for test clients that dial its processes as members. */
  get mode(): MeshMode {
    return this.key ? keyedMesh(this.key) : OPEN_MESH;
  }

  /** How every process of this mesh is told about the key, unless `args` already say. */
  meshArgs(args: string[] = []): string[] {
    if (args.includes('--open') || args.includes('--key-file')) return [];
    return this.keyFile === undefined ? ['--open'] : ['--key-file', this.keyFile];
  }

  /** Starts the metadata server on a free port (harness/server-process.ts); its output collects in serverOutput. */
  async startServer(args: string[] = [], wrap: string[] = []): Promise<string> {
    // One state folder per mesh: a server restarted here keeps its identity key and the names it remembers.
    const state = args.includes('--state') ? [] : ['--state', join(this.root, '.server-state')];
    this.serverArgs = ['--peer-ports', randomPortRange(), ...state, ...this.meshArgs(args), ...args];
    this.serverWrap = wrap;
    return this.launchServer(this.serverArgs);
  }

  /**
   * Starts the metadata server again as it was last started (after `kill -9`, say): the same port, state folder,
   * peer ports and key, so peers find it where it was and it remembers what they joined with.
   */
  async restartServer(): Promise<string> {
    const port = this.serverAddress.slice(this.serverAddress.lastIndexOf(':') + 1);
    // The last --port wins (node:util parseArgs): server-process.ts puts `--port 0` first.
    return this.launchServer([...this.serverArgs, '--port', port]);
  }

  private serverArgs: string[] = [];
  /** The command prefix the server runs under (`ip netns exec NS` on a namespaced host), or none. */
  private serverWrap: string[] = [];

  private async launchServer(args: string[]): Promise<string> {
    const server = await startServer(args, 10_000, this.serverWrap);
    this.server = server.child;
    this.serverAddress = `${server.host}:${server.port}`;
    this.serverProcess = server;
    return this.serverAddress;
  }

  /** Everything the metadata server printed so far. */
  get serverOutput(): string {
    return `${this.serverProcess?.lines.join('\n') ?? ''}\n${this.serverProcess?.stderr() ?? ''}`;
  }

  private readonly seeded = new Set<string>();

  /**
   * Puts files into a peer's shared/ before it starts, dated a minute back: files long in place, which a peer offers
   * at once (a file written within the settle period is not offered yet, docs/CONTRACT.md "Folders").
   */
  seed(name: string, files: Record<string, Buffer | string>): string {
    this.seeded.add(name);
    const shared = join(this.root, name, 'shared');
    mkdirSync(shared, { recursive: true });
    const past = new Date(Date.now() - 60_000);
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(dirname(join(shared, file)), { recursive: true }); // `docs/report.pdf`: a file in a subfolder
      writeFileSync(join(shared, file), content);
      utimesSync(join(shared, file), past, past);
    }
    return shared;
  }

  /** Was anything seeded for this peer (so it will hash files at start)? */
  seedsOf(name: string): boolean {
    return this.seeded.has(name);
  }

  dirOf(name: string): string {
    return join(this.root, name);
  }

  /**
   * Starts a headless peer; resolves once it is ready (or returns it unready when `waitReady` is false). `wrap`
   * prefixes the command, e.g. `['ip', 'netns', 'exec', NS]` to run it on another (namespaced) host. `discover`:
   * no `--server`, so the peer finds the metadata server by its announcements.
   */
  async startPeer(
    name: string,
    extra: string[] = [],
    waitReady = true,
    wrap: string[] = [],
    { discover = false } = {},
  ): Promise<PeerProcess> {
    const argv = [
      process.execPath,
      PEER_BIN,
      name,
      ...(discover ? [] : ['--server', this.serverAddress]),
      '--dir',
      this.dirOf(name),
      '--headless',
      '--query-timeout',
      '2000',
      ...this.meshArgs(extra),
      ...extra,
    ];
    const all = [...wrap, ...argv];
    const child = spawn(all[0]!, all.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const peer = new PeerProcess(name, this.dirOf(name), child);
    this.peers.set(name, peer);
    if (waitReady) await peer.waitFor('ready', 15_000);
    return peer;
  }

  peer(name: string): PeerProcess {
    const p = this.peers.get(name);
    if (!p) throw new Error(`no peer ${name}`);
    return p;
  }

  async close(): Promise<void> {
    for (const p of this.peers.values()) p.kill('SIGKILL');
    this.server?.kill('SIGKILL');
    await Promise.all([...this.peers.values()].map((p) => p.waitExit(5000).catch(() => undefined)));
    rmSync(this.root, { recursive: true, force: true });
  }
}
