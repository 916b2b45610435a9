/**
 * The testnet (testnet/testnet.ts) across ten hosts: all join, a file crosses hosts (checked by SHA-256), this
 * machine's own network is left as it was, and a peer whose address changed keeps its name and id and is found at
 * the new address. Skipped, with a note, where namespaces cannot be made (not root, no iproute2).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LanHosts, listNamespaces } from '../../harness/lan-hosts.js';
import { sha256, sha256File } from '../../harness/mesh.js';
import { download, testnet, topologyUntil } from './testnet-waits.js';

const available = LanHosts.available();

/** This machine's own network, as `ip` prints it (addresses, routes of every table, links). */
function machineNetwork(): string {
  const run = (...a: string[]) => execFileSync('ip', a, { encoding: 'utf8' });
  return [run('-4', 'addr'), run('-4', 'route', 'show', 'table', 'all'), run('-o', 'link')].join('\n');
}

test('ten hosts join, a file crosses hosts by SHA-256, and a peer that changed address keeps its name and id', async () => {
  if (!available) {
    console.log('  (network namespaces unavailable here: testnet test not run)');
    return;
  }
  const net = testnet(10);
  // Other runs may add their own links meanwhile: what counts is that nothing of ours shows.
  const ours = (text: string) => text.includes(net.config.tag) || text.includes(`${net.config.subnet}.`);
  try {
    const report = randomBytes(3 * 1024 * 1024 + 5);
    const moved = randomBytes(1024 * 1024 + 3);
    net.mesh.seed('s10', { 'report.bin': report });
    net.mesh.seed('s4', { 'travel.bin': moved });
    const started = Date.now();
    await net.start();
    const joinMs = Date.now() - started;
    // Nothing of the testnet is visible in this machine's own network: no interface, address or route was added.
    assert.not.ok(ours(machineNetwork()), machineNetwork());
    const whole = await topologyUntil(net.peer('s1'), (t) => t.peers.length === 10, 10_000);
    assert.equal(
      whole.peers.map((p) => `${p.name} ${p.host}`).sort(),
      net.names.map((n) => `${n} ${net.addressOf(n)}`).sort(),
    );
    console.log(`  10 peers joined in ${joinMs} ms`);
    await net.peer('s10').waitHashed();
    const got = await download(net.peer('s1'), 'report.bin');
    assert.is(got.event, 'download-complete', JSON.stringify(got));
    if (got.event === 'download-complete') {
      assert.is(got.from, 's10');
      assert.is(sha256File(join(net.mesh.dirOf('s1'), got.path)), sha256(report));
    }

    // s4 moves: it leaves, its host gets another address, and it comes back from the same folder.
    const s4 = net.peer('s4');
    const first = s4.events.find((e) => e.event === 'ready');
    s4.send('Stop now');
    assert.is(await s4.waitExit(10_000), 0);
    const newAddress = `${net.config.subnet}.200`;
    net.readdress('s4', newAddress);
    const back = await net.startPeer('s4');
    const again = back.events.find((e) => e.event === 'ready');
    assert.ok(first?.event === 'ready' && again?.event === 'ready');
    if (first?.event === 'ready' && again?.event === 'ready') {
      assert.equal([again.name, again.id, again.host], ['s4', first.id, newAddress]);
    }
    const seen = await topologyUntil(
      net.peer('s7'),
      (t) => t.peers.some((p) => p.name === 's4' && p.host === newAddress),
      10_000,
    );
    assert.ok(
      seen.peers.some((p) => p.name === 's4' && p.host === newAddress),
      JSON.stringify(seen),
    );
    await back.waitHashed();
    const found = await download(net.peer('s7'), 'travel.bin');
    assert.is(found.event, 'download-complete', JSON.stringify(found));
    if (found.event === 'download-complete') {
      assert.is(found.from, 's4');
      assert.is(sha256File(join(net.mesh.dirOf('s7'), found.path)), sha256(moved));
    }
  } finally {
    await net.stop();
  }
  assert.not.ok(ours(machineNetwork()));
  assert.equal(
    listNamespaces().filter((n) => n.startsWith(`${net.config.tag}-`)),
    [],
  );
});

test.run();
