/**
 * Return from anywhere: a peer started again from its folder on another address keeps its id and name, and the mesh
 * follows it there: neighbours, TOPO, `where` (the index and the address book) and downloads (docs/SECURITY.md
 * "Identities"). Two addresses on one machine: Linux routes all of 127.0.0.0/8 to the loopback interface.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PeerEvent } from '../control/peer-events.js';
import { Mesh, sha256, sha256File, type PeerProcess } from '../../harness/mesh.js';

type Topo = Extract<PeerEvent, { event: 'topology' }>;
type Where = Extract<PeerEvent, { event: 'where' }>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const NEW_HOST = '127.0.0.2';

const readyOf = (peer: PeerProcess) =>
  peer.events.find((e) => e.event === 'ready') as Extract<PeerEvent, { event: 'ready' }>;

async function download(peer: PeerProcess, file: string): Promise<PeerEvent> {
  return peer.ask(
    file,
    (e) => e.event === 'download-complete' || e.event === 'not-found' || e.event === 'download-failed',
    15_000,
  );
}

test('a peer back from another address keeps its id; TOPO, where, the address book and downloads follow it', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    const first = Buffer.from('seen before the move\n');
    const second = Buffer.from('fetched after the move\n'.repeat(1000));
    mesh.seed('s3', { 'first.txt': first, 'second.txt': second });
    const s1 = await mesh.startPeer('s1');
    await mesh.startPeer('s2');
    const old = await mesh.startPeer('s3');
    await old.waitHashed();
    const { id, port: oldPort, host: oldHost } = readyOf(old);

    // s1 takes first.txt from s3: its address book now remembers s3 at the old address.
    const got = await download(s1, 'first.txt');
    assert.is(got.event, 'download-complete', JSON.stringify(got));

    old.send('Stop');
    assert.is(await old.waitExit(), 0);
    const back = await mesh.startPeer('s3', ['--host', NEW_HOST]);
    const ready = readyOf(back);
    await back.waitHashed();
    assert.is(ready.id, id, 'the same id from the same folder');
    assert.is(ready.host, NEW_HOST);
    const moved = (p: { host: string; port: number }) => p.host === NEW_HOST && p.port === ready.port;

    // TOPO from s1 shows s3 at its new address, linked.
    let s3InTopo: Topo['peers'][number] | undefined;
    for (const until = Date.now() + 10_000; Date.now() < until; await sleep(250)) {
      const topo = (await s1.ask('TOPO', 'topology', 5000)) as Topo;
      s3InTopo = topo.peers.find((p) => p.name === 's3');
      if (s3InTopo && moved(s3InTopo) && s3InTopo.neighbours.length > 0) break;
    }
    assert.ok(s3InTopo && moved(s3InTopo), JSON.stringify(s3InTopo));
    assert.is(s3InTopo.id, id);
    assert.ok(s3InTopo.neighbours.length > 0, 's3 is linked again');

    // where: s3 at the new address only.
    const where = (await s1.ask('where second.txt', 'where', 5000)) as Where;
    const s3s = where.holders.filter((h) => h.name === 's3');
    assert.ok(s3s.length > 0 && s3s.every(moved), JSON.stringify(where.holders));

    // The download goes to the new address.
    const done = await download(s1, 'second.txt');
    assert.is(done.event, 'download-complete', JSON.stringify(done));
    if (done.event === 'download-complete') {
      assert.is(done.from, 's3');
      assert.is(sha256File(join(mesh.dirOf('s1'), done.path)), sha256(second));
    }

    // s1's address book followed s3 too (the server's list of live peers says where it is now): with the server
    // gone, `where` answers from the book, and names s3 at the new address, never the old one.
    await sleep(1500);
    mesh.server!.kill('SIGKILL');
    await s1.waitFor((e) => e.event === 'server' && e.state === 'lost', 5000);
    const fromBook = (await s1.ask('where first.txt', 'where', 5000)) as Where;
    const booked = fromBook.holders.filter((h) => h.name === 's3');
    assert.ok(booked.length > 0, JSON.stringify(fromBook.holders));
    assert.ok(booked.every(moved), `the address book still has ${oldHost}:${oldPort}: ${JSON.stringify(booked)}`);
  } finally {
    await mesh.close();
  }
});

test.run();
