/**
 * Two offices joined by bridges (docs/BEYOND-LAN.md "The bridge"; harness/two-offices.ts builds them): each office
 * is a LAN of network namespaces with its own metadata server; the bridges also sit on a third LAN, the "internet",
 * where the only DHT nodes run (a private DHT: nothing is sent to a public bootstrap node). No route joins the
 * offices. A peer in office A asks for a file only office B holds; the bridges find each other by the topic derived
 * from the mesh key, prove the key, and carry the file across; the peer then downloads it, SHA-256 checked.
 * Skipped, with a printed line, without namespaces or without the optional hyperswarm packages.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PeerEvent } from '../../peer/control/peer-events.js';
import { LanHosts } from '../../harness/lan-hosts.js';
import { sha256, sha256File } from '../../harness/mesh.js';
import { BRIDGE_MAIN, TwoOffices } from '../../harness/two-offices.js';
import { routes } from '../../harness/wan-link.js';
import { loadHyperswarm } from '../hyperswarm-engine.js';

const engine = await loadHyperswarm();

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
  const offices = new TwoOffices();
  try {
    await offices.up();
    const [a, b] = [offices.a!, offices.b!];
    // The offices are separate: no host of one can route to the other, only the bridges reach the internet.
    assert.not.ok(routes(a.lan.namespaces[0]!, b.peerHost), 'office A reaches office B directly');
    assert.not.ok(routes(a.lan.namespaces[1]!, b.peerHost), 'bridge A reaches office B directly');
    assert.not.ok(routes(a.lan.namespaces[0]!, offices.dhtHost), 'a peer of office A reaches the internet');
    assert.ok(routes(a.lan.namespaces[1]!, offices.dhtHost) && routes(b.lan.namespaces[1]!, a.bridgeWan));

    const data = randomBytes(3 * 1024 * 1024 + 17);
    b.mesh.seed('b1', { 'plans.bin': data });
    await (await offices.startPeer(b, 'b1')).waitHashed();
    const a1 = await offices.startPeer(a, 'a1');
    const bridgeA = offices.startBridge(a, 'bridge-a');
    const bridgeB = offices.startBridge(b, 'bridge-b');
    const readyA = await bridgeA.waitFor('bridge-ready', 30_000);
    const readyB = await bridgeB.waitFor('bridge-ready', 30_000);
    // Each bridge's proved far end is the other bridge's peer identity.
    assert.is((await bridgeA.waitFor('bridge-link', 30_000)).remote, readyB.id);
    assert.is((await bridgeB.waitFor('bridge-link', 30_000)).remote, readyA.id);

    // The first search in office A finds nobody; it passes bridge A's peer, which asks across.
    const asked = Date.now();
    const first = await a1.ask('plans.bin', (e) => e.event === 'not-found' || e.event === 'download-complete', 15_000);
    assert.is(first.event, 'not-found');
    const fetched = await bridgeA.waitFor('bridge-fetched', 60_000);
    assert.is(fetched.file, 'plans.bin');
    assert.is(fetched.sha256, sha256(data));
    assert.is(fetched.from, readyB.id);
    const across = Date.now() - asked;

    // Now office A holds it (at its bridge's peer): the same request downloads it, verified.
    const ended = (e: PeerEvent) => ['not-found', 'download-complete', 'download-failed'].includes(e.event);
    let done: PeerEvent | undefined;
    for (const until = Date.now() + 30_000; Date.now() < until; await new Promise((r) => setTimeout(r, 1000))) {
      done = await a1.ask('plans.bin', ended, 20_000);
      if (done.event === 'download-complete') break;
    }
    assert.is(done?.event, 'download-complete', JSON.stringify(done));
    if (done?.event === 'download-complete') {
      assert.is(done.from, 'bridge-a');
      assert.is(sha256File(join(a.mesh.dirOf('a1'), done.path)), sha256(data));
      console.log(
        `  (3 MiB across the bridges ${across} ms after the first search; whole round ${Date.now() - asked} ms)`,
      );
    }
  } finally {
    await offices.close();
  }
});

test.run();
