/**
 * Choosing among contents, with real processes on loopback (docs/CONTRACT.md "Choosing among contents"): two peers
 * offering different contents under one name make a plain download answer `ambiguous` and fetch nothing, from the
 * index and from a flood alike; `FILE from PEER` and `FILE sha256 PREFIX` fetch the content chosen; a peer that does
 * not hold the file, or no peer of that name, gets a clear answer.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PeerEvent } from '../control/peer-events.js';
import { Mesh, sha256, sha256File, type PeerProcess } from '../../harness/mesh.js';

const ONE = Buffer.from('the notes, first version\n');
const TWO = Buffer.from('the notes, second version, which is longer\n');

/** s1 and s2 each share a different notes.txt (s2 also only-two.txt); `names` join after them, holding nothing. */
async function twoVersions(mesh: Mesh, names: string[], args: string[] = []): Promise<PeerProcess[]> {
  await mesh.startServer();
  mesh.seed('s1', { 'notes.txt': ONE });
  mesh.seed('s2', { 'notes.txt': TWO, 'only-two.txt': 'two alone' });
  for (const name of ['s1', 's2']) await (await mesh.startPeer(name, args)).waitHashed();
  const joined: PeerProcess[] = [];
  for (const name of names) joined.push(await mesh.startPeer(name, args));
  return joined;
}

/** What a download command ends with (docs/CONTRACT.md "Events"), for command line `cmd`. */
const ended = (cmd: number) => (e: PeerEvent) =>
  e.cmd === cmd &&
  ['download-complete', 'download-failed', 'not-found', 'ambiguous', 'already-have', 'error'].includes(e.event);

function downloadsOf(peer: PeerProcess): string[] {
  const dir = join(peer.dir, 'Downloads');
  return existsSync(dir) ? readdirSync(dir) : [];
}

function assertAmbiguous(e: PeerEvent): void {
  assert.is(e.event, 'ambiguous', JSON.stringify(e));
  if (e.event !== 'ambiguous') return;
  assert.is(e.file, 'notes.txt');
  assert.ok(typeof e.download === 'string' && e.download.length > 0, 'carries its download id');
  const choices = [...e.choices].sort((a, b) => a.bytes - b.bytes);
  assert.equal(choices, [
    { sha256: sha256(ONE), bytes: ONE.length, holders: ['s1'] },
    { sha256: sha256(TWO), bytes: TWO.length, holders: ['s2'] },
  ]);
  assert.match(e.message ?? '', /notes\.txt from s\d or notes\.txt sha256 [0-9a-f]{12}/);
}

test('two peers offering different notes.txt: a plain download is ambiguous, names both, and fetches nothing', async () => {
  const mesh = new Mesh();
  try {
    const [r] = await twoVersions(mesh, ['r']);
    const answer = await r!.ask('notes.txt', ended(1), 15_000);
    assertAmbiguous(answer);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(downloadsOf(r!), []);
    assert.not.ok(
      r!.events.some((e) => e.event === 'download-started' || e.event === 'download-complete'),
      'nothing was fetched',
    );
    // The stem finds the same name, and is just as ambiguous.
    assertAmbiguous(await r!.ask('notes', ended(2), 15_000));
  } finally {
    await mesh.close();
  }
});

test('FILE from PEER fetches that peer`s content, and FILE sha256 PREFIX the content chosen by its digest', async () => {
  const mesh = new Mesh();
  try {
    const [a, b] = await twoVersions(mesh, ['a', 'b']);
    const fromTwo = await a!.ask('notes.txt from S2', ended(1), 15_000);
    assert.is(fromTwo.event, 'download-complete', JSON.stringify(fromTwo));
    if (fromTwo.event === 'download-complete') {
      assert.is(fromTwo.from, 's2');
      assert.is(fromTwo.sha256, sha256(TWO));
      assert.is(sha256File(join(a!.dir, fromTwo.path)), sha256(TWO));
      assert.equal(
        fromTwo.sources.map((s) => s.name),
        ['s2'],
      );
    }
    const prefix = sha256(ONE).slice(0, 10).toUpperCase();
    const byDigest = await b!.ask(`notes.txt sha256 ${prefix}`, ended(1), 15_000);
    assert.is(byDigest.event, 'download-complete', JSON.stringify(byDigest));
    if (byDigest.event === 'download-complete') {
      assert.is(byDigest.from, 's1');
      assert.is(sha256File(join(b!.dir, byDigest.path)), sha256(ONE));
    }
    // a now holds TWO as well: s2's and a's copies agree, s1's does not, so a plain download is still ambiguous.
    await a!.waitFor(
      (e) => e.event === 'log' && /^hashes ready for 1 held file; the metadata server's index/.test(e.message),
    );
    const c = await mesh.startPeer('c');
    const again = await c.ask('notes.txt', ended(1), 15_000);
    assert.ok(again.event === 'ambiguous' && again.choices.length === 2, JSON.stringify(again));
    const held = again.event === 'ambiguous' ? again.choices.find((x) => x.sha256 === sha256(TWO))?.holders : [];
    assert.ok(held?.includes('s2') && held.includes('a'), JSON.stringify(held));
  } finally {
    await mesh.close();
  }
});

test('FILE from PEER where PEER does not hold it fails saying so; no peer of that name gets not-found', async () => {
  const mesh = new Mesh();
  try {
    const [r] = await twoVersions(mesh, ['r']);
    const failed = await r!.ask('only-two.txt from s1', ended(1), 15_000);
    assert.is(failed.event, 'download-failed', JSON.stringify(failed));
    if (failed.event === 'download-failed') assert.is(failed.reason, 's1 does not hold only-two.txt; s2 does');
    const nobody = await r!.ask('notes.txt from nobody', ended(2), 15_000);
    assert.is(nobody.event, 'not-found', JSON.stringify(nobody));
    if (nobody.event === 'not-found') assert.match(nobody.message ?? '', /no peer named nobody/);
    const unknownDigest = await r!.ask('notes.txt sha256 00000000', ended(3), 15_000);
    assert.is(unknownDigest.event, 'not-found', JSON.stringify(unknownDigest));
    assert.equal(downloadsOf(r!), []);
    assert.not.ok(r!.events.some((e) => e.event === 'download-started'));
  } finally {
    await mesh.close();
  }
});

test('with the metadata server gone, offers of different contents from a flood are ambiguous too', async () => {
  const mesh = new Mesh();
  try {
    const [r] = await twoVersions(mesh, ['r'], ['--verbose']);
    // Holders answer only an origin the mesh knows (docs/PROTOCOL.md "Peer ↔ peer", search by flooding): both must have seen r.
    const knowsR = (e: PeerEvent) => e.event === 'mesh' && e.peers.some((p) => p.name === 'r');
    await Promise.all(['s1', 's2'].map((n) => mesh.peer(n).waitFor(knowsR, 10_000)));
    mesh.server!.kill('SIGKILL');
    await r!.waitFor((e) => e.event === 'server' && (e.state === 'lost' || e.state === 'unreachable'), 10_000);
    const answer = await r!.ask('notes.txt', ended(1), 15_000);
    assertAmbiguous(answer);
    assert.ok(
      r!.events.some((e) => e.event === 'query-sent' && e.cmd === 1),
      'the answer came from a flood',
    );
    assert.equal(downloadsOf(r!), []);
    // And a choice still works by flooding: only s2's offer counts.
    const chosen = await r!.ask('notes.txt from s2', ended(2), 15_000);
    assert.ok(chosen.event === 'download-complete' && chosen.sha256 === sha256(TWO), JSON.stringify(chosen));
  } finally {
    await mesh.close();
  }
});

test.run();
