/**
 * Two offices joined by bridges (docs/BEYOND-LAN.md "The bridge"): each office is a LAN of network namespaces with
 * its own metadata server and peers; the two bridges also sit on a third LAN, the "internet", where the only DHT
 * node runs (a private DHT: nothing is sent to a public bootstrap node). No route joins the offices. A peer in
 * office A asks for a file only office B holds; the bridges find each other by the topic derived from the mesh key,
 * prove the key, and carry the file across; the peer then downloads it, SHA-256 checked.
 * Skipped, with a printed line, without namespaces or without the optional hyperswarm packages.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LanHosts } from '../../harness/lan-hosts.js';
import { Mesh, sha256, sha256File } from '../../harness/mesh.js';
import { plugInto, routes } from '../../harness/wan-link.js';
import { loadHyperswarm } from '../hyperswarm-engine.js';

const BRIDGE_MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
const engine = await loadHyperswarm();

/** A `peer-bridge` process: its JSON lines and its stderr. */
class BridgeProcess {
  readonly events: Record<string, unknown>[] = [];
  stderr = '';
  private waiters: { pred: (e: Record<string, unknown>) => boolean; resolve: () => void }[] = [];
  readonly child: ChildProcess;

  constructor(wrap: string[], args: string[]) {
    this.child = spawn(
      wrap[0] ?? process.execPath,
      [...wrap.slice(1), ...(wrap.length ? [process.execPath] : []), BRIDGE_MAIN, ...args],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const e = JSON.parse(line) as Record<string, unknown>;
      this.events.push(e);
      this.waiters = this.waiters.filter((w) => (w.pred(e) ? (w.resolve(), false) : true));
    });
    this.child.stderr!.on('data', (d) => (this.stderr += d));
  }

  waitFor(event: string, timeoutMs: number): Promise<Record<string, unknown>> {
    const pred = (e: Record<string, unknown>) => e.event === event;
    const past = this.events.find(pred);
    if (past) return Promise.resolve(past);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${event} within ${timeoutMs} ms; stderr: ${this.stderr.slice(-1500)}`)),
        timeoutMs,
      );
      this.waiters.push({ pred, resolve: () => (clearTimeout(timer), resolve(this.events.find(pred)!)) });
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

test('a bridge refuses to start without a DHT bootstrap node it was given (never a public default)', () => {
  const r = spawnSync(process.execPath, [BRIDGE_MAIN, 'b', '--dir', '/nonexistent', '--key-file', '/nonexistent'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  assert.is(r.status, 2);
  assert.match(r.stderr, /needs --dht HOST:PORT: it never uses a public bootstrap node/);
});

test('a peer in office A downloads a file only office B holds, through two bridges over a private DHT', async () => {
  if (!LanHosts.available()) {
    console.log('  (network namespaces unavailable here: bridge test not run)');
    return;
  }
  if (typeof engine === 'string') {
    console.log(`  (${engine}: bridge test not run)`);
    return;
  }
  const officeA = new LanHosts();
  const [a1Host, bridgeAHost] = officeA.up(2);
  // Each LAN picks a free subnet when made: make the next one only once the last is up.
  const officeB = new LanHosts();
  let internet: LanHosts | undefined;
  const meshA = new Mesh();
  const meshB = new Mesh();
  const keyArgs = ['--key-file', meshA.keyFile!]; // one mesh, two offices: one key
  const processes: BridgeProcess[] = [];
  try {
    const [b1Host, bridgeBHost] = officeB.up(2);
    internet = new LanHosts();
    const [dhtHost] = internet.up(1);
    const bridgeAWan = plugInto(internet, officeA.namespaces[1]!, 50);
    const bridgeBWan = plugInto(internet, officeB.namespaces[1]!, 51);
    // The offices are separate: no host of one can route to the other, only the bridges reach the internet.
    assert.not.ok(routes(officeA.namespaces[0]!, b1Host!), 'office A reaches office B directly');
    assert.not.ok(routes(officeA.namespaces[1]!, b1Host!), 'bridge A reaches office B directly');
    assert.not.ok(routes(officeA.namespaces[0]!, dhtHost!), 'a peer of office A reaches the internet');
    assert.ok(routes(officeA.namespaces[1]!, dhtHost!) && routes(officeB.namespaces[1]!, bridgeAWan));

    await meshA.startServer(['--host', officeA.gateway, ...keyArgs]);
    await meshB.startServer(['--host', officeB.gateway, ...keyArgs]);
    const data = randomBytes(3 * 1024 * 1024 + 17);
    meshB.seed('b1', { 'plans.bin': data });
    const b1 = await meshB.startPeer('b1', ['--host', b1Host!, ...keyArgs], true, officeB.exec(0));
    await b1.waitHashed();
    const a1 = await meshA.startPeer('a1', ['--host', a1Host!, ...keyArgs], true, officeA.exec(0));

    const dht = new BridgeProcess(internet.exec(0), ['dht-node', '--host', dhtHost!, '--port', '49737']);
    processes.push(dht);
    await dht.waitFor('dht-node-ready', 15_000);
    // No NAT here (this kernel has no iptables or nft): the bridges' internet addresses are reachable as they are.
    const bridge = (mesh: Mesh, name: string, wrap: string[], host: string, wan: string) =>
      new BridgeProcess(wrap, [
        name,
        '--dir',
        join(mesh.root, name),
        ...keyArgs,
        '--dht',
        `${dhtHost}:49737`,
        '--dht-host',
        wan,
        '--dht-reachable',
        '--',
        '--server',
        mesh.serverAddress,
        '--host',
        host,
        '--query-timeout',
        '2000',
      ]);
    const bridgeA = bridge(meshA, 'bridge-a', officeA.exec(1), bridgeAHost!, bridgeAWan);
    const bridgeB = bridge(meshB, 'bridge-b', officeB.exec(1), bridgeBHost!, bridgeBWan);
    processes.push(bridgeA, bridgeB);
    const readyA = await bridgeA.waitFor('bridge-ready', 30_000);
    const readyB = await bridgeB.waitFor('bridge-ready', 30_000);
    const linkA = await bridgeA.waitFor('bridge-link', 30_000);
    assert.is(linkA.remote, readyB.id, "bridge A's proved far end is bridge B's peer identity");
    assert.is((await bridgeB.waitFor('bridge-link', 30_000)).remote, readyA.id);

    // The first search in office A finds nobody; it passes bridge A's peer, which asks across.
    const first = await a1.ask('plans.bin', (e) => e.event === 'not-found' || e.event === 'download-complete', 15_000);
    assert.is(first.event, 'not-found');
    const fetched = await bridgeA.waitFor('bridge-fetched', 60_000);
    assert.is(fetched.file, 'plans.bin');
    assert.is(fetched.sha256, sha256(data));
    assert.is(fetched.from, readyB.id);

    // Now office A holds it (at its bridge's peer): the same request downloads it, verified.
    let done;
    for (const until = Date.now() + 30_000; Date.now() < until; await new Promise((r) => setTimeout(r, 1000))) {
      done = await a1.ask(
        'plans.bin',
        (e) => e.event === 'not-found' || e.event.startsWith('download-c') || e.event === 'download-failed',
        20_000,
      );
      if (done.event === 'download-complete') break;
    }
    assert.is(done?.event, 'download-complete', JSON.stringify(done));
    if (done?.event === 'download-complete') {
      assert.is(done.from, 'bridge-a');
      assert.is(sha256File(join(meshA.dirOf('a1'), done.path)), sha256(data));
    }
  } finally {
    for (const p of processes) await p.stop();
    await meshA.close();
    await meshB.close();
    internet?.down();
    officeB.down();
    officeA.down();
  }
});

test.run();
