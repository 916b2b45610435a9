/**
 * Peers on separate hosts (network namespaces on a private bridge): each binds and advertises its own address with
 * `--host`, as on a real LAN. Skipped, with a note, where namespaces cannot be made (not root, no iproute2).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PeerEvent } from '../control/peer-events.js';
import { LanHosts } from '../../harness/lan-hosts.js';
import { Mesh, sha256, sha256File } from '../../harness/mesh.js';

const available = LanHosts.available();

test('peers on three hosts join, link, answer TOPO with their LAN addresses and move a file across two hops', async () => {
  if (!available) {
    console.log('  (network namespaces unavailable here: LAN test not run)');
    return;
  }
  const lan = new LanHosts();
  const mesh = new Mesh();
  try {
    const [a, b, c] = lan.up(3);
    await mesh.startServer(['--host', lan.gateway, '--topology', 'line']);
    const data = randomBytes(3 * 1024 * 1024 + 1);
    mesh.seed('h3', { 'report.bin': data });
    const hosts = [a!, b!, c!];
    for (let i = 0; i < 3; i++) await mesh.startPeer(`h${i + 1}`, ['--host', hosts[i]!], true, lan.exec(i));
    // h3 is ready once joined; its link to h2 and the server's view of it follow within moments: TOPO shows the
    // whole line within seconds (the CI once caught it a moment before h3 was listed).
    const whole = [
      ['h1', a, ['h2']],
      ['h2', b, ['h1', 'h3']],
      ['h3', c, ['h2']],
    ];
    let seen: unknown[] = [];
    for (const until = Date.now() + 10_000; Date.now() < until; await new Promise((r) => setTimeout(r, 250))) {
      const topo = (await mesh.peer('h1').ask('TOPO', 'topology')) as Extract<PeerEvent, { event: 'topology' }>;
      seen = topo.peers.map((p) => [p.name, p.host, p.neighbours]);
      if (JSON.stringify(seen) === JSON.stringify(whole)) break;
    }
    assert.equal(seen, whole);
    const done = await mesh
      .peer('h1')
      .ask(
        'report.bin',
        (e) => e.event === 'download-complete' || e.event === 'not-found' || e.event === 'download-failed',
        15_000,
      );
    assert.is(done.event, 'download-complete', JSON.stringify(done));
    if (done.event === 'download-complete') {
      assert.is(done.from, 'h3');
      assert.is(sha256File(join(mesh.dirOf('h1'), done.path)), sha256(data));
    }
  } finally {
    await mesh.close();
    lan.down();
  }
});

test('a host cut off silently (no FIN, no reset) leaves its neighbours and TOPO within seconds, and rejoins once healed', async () => {
  if (!available) {
    console.log('  (network namespaces unavailable here: partition test not run)');
    return;
  }
  const lan = new LanHosts();
  const mesh = new Mesh();
  try {
    const hosts = lan.up(3);
    await mesh.startServer(['--host', lan.gateway, '--topology', 'line']);
    for (let i = 0; i < 3; i++) await mesh.startPeer(`h${i + 1}`, ['--host', hosts[i]!], true, lan.exec(i));
    const h2 = mesh.peer('h2');
    await h2.waitFor((e) => e.event === 'neighbour-up' && e.name === 'h3', 10_000);
    const from = h2.events.length;
    const cutAt = Date.now();
    lan.cut(2); // h3's cable is pulled: it keeps running, and h2 keeps pinging into the void
    await h2.waitFor((e) => e.event === 'neighbour-down' && e.name === 'h3', 10_000, from);
    const took = Date.now() - cutAt;
    assert.ok(took >= 4000 && took <= 8000, `h2 noticed the cut after ${took} ms (5 s of silence allowed)`);
    const topo = (await mesh.peer('h1').ask('TOPO', 'topology')) as Extract<PeerEvent, { event: 'topology' }>;
    assert.equal(
      topo.peers.map((p) => [p.name, p.neighbours]),
      [
        ['h1', ['h2']],
        ['h2', ['h1']],
      ],
    );
    // Plugged back in: h3 finds the metadata server again and the mesh links it back.
    const healedFrom = h2.events.length;
    lan.heal(2);
    await h2.waitFor((e) => e.event === 'neighbour-up' && e.name === 'h3', 20_000, healedFrom);
    // The link may come up a moment before the metadata server lists h3 again: TOPO shows it within seconds.
    let names: string[] = [];
    for (const until = Date.now() + 10_000; Date.now() < until; await new Promise((r) => setTimeout(r, 250))) {
      const whole = (await mesh.peer('h1').ask('TOPO', 'topology')) as Extract<PeerEvent, { event: 'topology' }>;
      names = whole.peers.map((p) => p.name);
      if (names.length === 3) break;
    }
    assert.equal(names, ['h1', 'h2', 'h3']);
  } finally {
    await mesh.close();
    lan.down();
  }
});

test.run();
