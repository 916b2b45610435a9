/**
 * A metadata server killed with SIGKILL and started again on the same address and `--state`: every live peer is
 * registered again within 5 s, with TOPO and `list` as they were, no peer restarted, and no name taken by another id
 * meanwhile (docs/PROTOCOL.md "Peer ↔ metadata server", re-registration; docs/SECURITY.md "Identities").
 */
import { performance } from 'node:perf_hooks';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PeerEvent } from '../control/peer-events.js';
import { Mesh, type PeerProcess } from '../../harness/mesh.js';

type Topo = Extract<PeerEvent, { event: 'topology' }>;
type List = Extract<PeerEvent, { event: 'list' }>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How long the server stays dead: past the reconnection delays' growth, so peers retry at their longest delay. */
const DOWN_MS = 6000;
/** docs/PROTOCOL.md "Peer ↔ metadata server": whole again within 5 s of the restart. */
const WHOLE_WITHIN_MS = 5000;

/** TOPO as comparable text: each peer's name, address and sorted neighbours. */
async function topology(peer: PeerProcess): Promise<string> {
  const topo = (await peer.ask('TOPO', 'topology', 5000)) as Topo;
  return JSON.stringify(topo.peers.map((p) => [p.name, p.id, p.host, p.port, [...p.neighbours].sort()]));
}

/** `list` as comparable text, or undefined when it came from the address book (the server could not answer). */
async function listing(peer: PeerProcess): Promise<string | undefined> {
  const list = (await peer.ask('list', 'list', 5000)) as List;
  if (list.source) return undefined;
  return JSON.stringify(list.files.map((f) => [f.name, f.sha256, f.holders]).sort());
}

test('after kill -9 and a restart on the same address and state, TOPO and list are whole within 5 s', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    const names = ['s1', 's2', 's3', 's4'];
    for (const name of names) mesh.seed(name, { [`${name}.txt`]: `the file of ${name}\n`, 'common.txt': 'shared\n' });
    for (const name of names) await mesh.startPeer(name);
    await Promise.all(names.map((n) => mesh.peer(n).waitHashed()));
    const s1 = mesh.peer('s1');
    const pids = names.map((n) => mesh.peer(n).child.pid);

    // The mesh as it stands: every peer in TOPO, every file in list (common.txt held by all four).
    let before = '';
    let files: string | undefined;
    for (const until = Date.now() + 10_000; Date.now() < until; await sleep(250)) {
      before = await topology(s1);
      files = await listing(s1);
      if (JSON.parse(before).length === 4 && files?.includes('"common.txt"') && files.includes(',4]')) break;
    }
    assert.is(JSON.parse(before).length, 4, before);
    assert.ok(files, 'list answered from the index');
    for (const name of names) assert.ok(files.includes(`"${name}.txt"`), files);

    mesh.server!.kill('SIGKILL');
    await s1.waitFor((e) => e.event === 'server' && e.state === 'lost', 5000);
    await sleep(DOWN_MS);
    const from = new Map(names.map((n) => [n, mesh.peer(n).events.length]));
    await mesh.restartServer();
    const restarted = performance.now();
    // Another folder (another key, so another id) asks for a live peer's name as the server comes back: refused,
    // whether or not s2 has re-registered yet (the name book in --state remembers s2's id).
    const impostor = mesh.startPeer('S2', [], false);

    let whole = -1;
    let after = '';
    let filesAfter: string | undefined;
    while (performance.now() - restarted < WHOLE_WITHIN_MS + 2000) {
      after = await topology(s1);
      filesAfter = await listing(s1);
      if (after === before && filesAfter === files) {
        whole = performance.now() - restarted;
        break;
      }
      await sleep(100);
    }
    console.log(`  metadata server restart: TOPO and list whole ${Math.round(whole)} ms after the restart`);
    assert.is(after, before, 'TOPO as before the restart');
    assert.is(filesAfter, files, 'list as before the restart');
    assert.ok(whole >= 0 && whole <= WHOLE_WITHIN_MS, `whole after ${Math.round(whole)} ms`);

    const other = await impostor;
    assert.is(await other.waitExit(10_000), 2);
    assert.match(other.stderr, /the name "s2" belongs to another peer/);

    for (const [i, name] of names.entries()) {
      const peer = mesh.peer(name);
      assert.is(peer.exitCode, undefined, `${name} still runs`);
      assert.is(peer.child.pid, pids[i]);
      assert.is(peer.events.filter((e) => e.event === 'ready').length, 1, `${name} was ready once`);
      const since = peer.events.slice(from.get(name));
      assert.ok(
        since.some((e) => e.event === 'log' && e.message.startsWith('re-registered with the metadata server')),
        `${name} re-registered`,
      );
    }
  } finally {
    await mesh.close();
  }
});

test.run();
