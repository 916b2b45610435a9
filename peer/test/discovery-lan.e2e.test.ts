/**
 * Discovery across hosts (network namespaces on a private bridge, harness/lan-hosts.ts): a metadata server bound to
 * loopback is not found from another host; one bound to the bridge's address is, by peers started without
 * --server, which then move a file between hosts, checked by SHA-256. Skipped, with a note, where namespaces cannot
 * be made (not root, no iproute2).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PeerEvent } from '../control/peer-events.js';
import { LanHosts } from '../../harness/lan-hosts.js';
import { Mesh, randomPortRange, sha256, sha256File } from '../../harness/mesh.js';
import { startServer } from '../../harness/server-process.js';

const available = LanHosts.available();

test('a loopback server is not found from another host; a LAN server is, and peers found by it move a file', async () => {
  if (!available) {
    console.log('  (network namespaces unavailable here: discovery LAN test not run)');
    return;
  }
  const lan = new LanHosts();
  const mesh = new Mesh();
  const port = String(30_000 + Math.floor(Math.random() * 10_000));
  const discovery = ['--discovery-port', port];
  try {
    const [a, b] = lan.up(2);
    const data = randomBytes(2 * 1024 * 1024 + 7);
    mesh.seed('n1', { 'plan.bin': data });
    // A server on this machine's loopback announces on loopback only: host n1 never hears it.
    const local = await startServer([...discovery, '--key-file', mesh.keyFile!, '--peer-ports', randomPortRange()]);
    let n1;
    try {
      await local.waitForLine(/^announcing 127\.0\.0\.1:\d+ on lo /);
      n1 = await mesh.startPeer('n1', ['--host', a!, ...discovery], false, lan.exec(0), { discover: true });
      await n1.waitFor((e) => e.event === 'log' && /^no metadata server found yet: /.test(e.message), 6000);
      assert.not.ok(n1.events.some((e) => e.event === 'ready'));
      // It looks on its own interface only, with the subnet's broadcast address.
      const looking = n1.events.find((e) => e.event === 'log' && /^no --server: looking/.test(e.message));
      assert.ok(looking?.event === 'log' && looking.message.endsWith(`on eth0 (${lan.subnet}.255, udp port ${port})`));
    } finally {
      await local.stop('SIGKILL');
    }
    // The metadata server on the bridge's address announces on the LAN: n1, still looking, finds it.
    const server = await mesh.startServer(['--host', lan.gateway, ...discovery]);
    const ready1 = (await n1.waitFor('ready', 4000)) as Extract<PeerEvent, { event: 'ready' }>;
    assert.is(ready1.server, server);
    // A newcomer on the other host finds it within 3 s of its start.
    const started = Date.now();
    const n2 = await mesh.startPeer('n2', ['--host', b!, ...discovery], false, lan.exec(1), { discover: true });
    const ready2 = (await n2.waitFor('ready', 3000)) as Extract<PeerEvent, { event: 'ready' }>;
    assert.ok(Date.now() - started < 3000, `n2 ready after ${Date.now() - started} ms`);
    assert.equal([ready2.server, ready2.host], [server, b]);
    await n1.waitHashed();
    const done = await n2.ask(
      `plan.bin sha256 ${sha256(data).slice(0, 16)}`,
      (e) => e.event === 'download-complete' || e.event === 'not-found' || e.event === 'download-failed',
      15_000,
    );
    assert.is(done.event, 'download-complete', JSON.stringify(done));
    if (done.event === 'download-complete') {
      assert.is(done.from, 'n1');
      assert.is(sha256File(join(mesh.dirOf('n2'), done.path)), sha256(data));
    }
  } finally {
    await mesh.close();
    lan.down();
  }
});

test.run();
