/**
 * Subfolders in shared/, real processes on loopback (docs/CONTRACT.md "Mirror, discovery and bandwidth"): a file in
 * `shared/docs/` is found by its path and by its bare name and lands at `Downloads/docs/…`; two `report.pdf` in
 * different folders make a bare name `ambiguous`, from the index and from a flood; a hostile holder offering `../x`
 * or an absolute path is declined; a nested download resumes after its requester was killed.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PeerEvent } from '../control/peer-events.js';
import { Mesh, sha256, sha256File, type PeerProcess } from '../../harness/mesh.js';
import { describe, FakePeer } from './fake-peer.js';

const MiB = 1024 * 1024;
const ended = (cmd: number) => (e: PeerEvent) =>
  e.cmd === cmd &&
  ['download-complete', 'download-failed', 'not-found', 'ambiguous', 'already-have', 'error'].includes(e.event);
type Complete = Extract<PeerEvent, { event: 'download-complete' }>;

async function fetched(peer: PeerProcess, line: string, cmd: number): Promise<Complete> {
  const e = await peer.ask(line, ended(cmd), 20_000);
  assert.is(e.event, 'download-complete', JSON.stringify(e).slice(0, 400));
  return e as Complete;
}

test('a file in shared/docs/ is found by its path and its bare name, and lands at Downloads/docs/', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    const report = randomBytes(3 * MiB + 17);
    mesh.seed('s1', { 'docs/report.pdf': report, 'docs/notes/todo.txt': 'todo\n', 'top.txt': 'top\n' });
    await (await mesh.startPeer('s1')).waitHashed();
    const r = await mesh.startPeer('r');
    const byPath = await fetched(r, 'docs/report.pdf', 1);
    assert.is(byPath.path, 'Downloads/docs/report.pdf');
    assert.is(sha256File(join(r.dir, 'Downloads', 'docs', 'report.pdf')), sha256(report));
    const r2 = await mesh.startPeer('r2');
    const byBase = await fetched(r2, 'report.pdf', 1);
    assert.is(byBase.file, 'docs/report.pdf');
    assert.is(byBase.path, 'Downloads/docs/report.pdf');
    assert.is(sha256File(join(r2.dir, byBase.path)), sha256(report));
    const byStem = await fetched(r2, 'todo', 2);
    assert.is(byStem.path, 'Downloads/docs/notes/todo.txt');
    // The listings show paths.
    const files = await r2.ask('files', 'files');
    assert.ok(
      files.event === 'files' &&
        files.downloads
          .map((f) => f.name)
          .sort()
          .join() === 'docs/notes/todo.txt,docs/report.pdf',
      JSON.stringify(files),
    );
    const list = await r2.ask('list', 'list');
    assert.ok(list.event === 'list' && list.files.some((f) => f.name === 'docs/notes/todo.txt'), JSON.stringify(list));
    const found = await r2.ask('find notes/', 'find-results');
    assert.ok(found.event === 'find-results' && found.files.map((f) => f.name).join() === 'docs/notes/todo.txt');
    const where = await r2.ask('where report.pdf', 'where');
    assert.ok(where.event === 'where' && where.holders.some((h) => h.name === 's1'), JSON.stringify(where));
    // A file written into a new subfolder of a running holder is offered within the settle period and a little.
    const s1 = mesh.peer('s1');
    const before = s1.events.length;
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(join(s1.dir, 'shared', 'new', 'folder'), { recursive: true });
    const started = Date.now();
    writeFileSync(join(s1.dir, 'shared', 'new', 'folder', 'fresh.txt'), 'fresh\n');
    await s1.waitFor(
      (e) => e.event === 'files' && e.shared.some((f) => f.name === 'new/folder/fresh.txt'),
      5000,
      before,
    );
    const ms = Date.now() - started;
    assert.ok(ms < 2000, `offered ${ms} ms after it was written`);
    const fresh = await fetched(r, 'fresh.txt', 2);
    assert.is(fresh.path, 'Downloads/new/folder/fresh.txt');
  } finally {
    await mesh.close();
  }
});

test('two report.pdf in different folders: a bare name is ambiguous (index and flood), a path is not', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    mesh.seed('s1', { 'docs/report.pdf': 'the docs report\n' });
    mesh.seed('s2', { 'old/report.pdf': 'the old report, longer\n', 'a/x.txt': 'a', 'b/x.txt': 'b' });
    for (const n of ['s1', 's2']) await (await mesh.startPeer(n, ['--verbose'])).waitHashed();
    const r = await mesh.startPeer('r', ['--verbose']);
    const answer = await r.ask('report.pdf', ended(1), 15_000);
    assert.is(answer.event, 'ambiguous', JSON.stringify(answer));
    if (answer.event !== 'ambiguous') return;
    assert.equal(
      answer.choices.map((c) => [c.path, c.holders]),
      [
        ['docs/report.pdf', ['s1']],
        ['old/report.pdf', ['s2']],
      ],
    );
    assert.match(answer.message ?? '', /ask for one by its path/);
    assert.not.ok(existsSync(join(r.dir, 'Downloads', 'docs')) || existsSync(join(r.dir, 'Downloads', 'old')));
    const exact = await fetched(r, 'old/report.pdf', 2);
    assert.is(exact.path, 'Downloads/old/report.pdf');
    // Without the index: one holder of two x.txt answers the flood with both, and the requester does not pick.
    const knowsR = (e: PeerEvent) => e.event === 'mesh' && e.peers.some((p) => p.name === 'r');
    await mesh.peer('s2').waitFor(knowsR, 10_000);
    mesh.server!.kill('SIGKILL');
    await r.waitFor((e) => e.event === 'server' && (e.state === 'lost' || e.state === 'unreachable'), 10_000);
    const flooded = await r.ask('x.txt', ended(3), 15_000);
    assert.is(flooded.event, 'ambiguous', JSON.stringify(flooded));
    assert.ok(
      r.events.some((e) => e.event === 'query-sent' && e.cmd === 3),
      'the answer came from a flood',
    );
    assert.equal(flooded.event === 'ambiguous' && flooded.choices.map((c) => c.path), ['a/x.txt', 'b/x.txt']);
    assert.not.ok(existsSync(join(r.dir, 'Downloads', 'a')) || existsSync(join(r.dir, 'Downloads', 'b')));
  } finally {
    await mesh.close();
  }
});

test('a hostile holder offering ../x or an absolute path is declined and logged; nothing is written', async () => {
  const mesh = new Mesh();
  const fake = new FakePeer('mallory', mesh.mode);
  try {
    await mesh.startServer();
    const r = await mesh.startPeer('r', ['--verbose']);
    await fake.listen();
    await fake.linkTo(r.port);
    r.send('payload.txt');
    const query = await fake.waitFor((m) => m.kind === 'query' && m.body.file === 'payload.txt', 5000);
    if (query.kind !== 'query') throw new Error('not a query');
    const data = Buffer.from('owned\n');
    const { sha256: sha, pieceSize, pieces, prefixes } = describe(data);
    const offer = (file: string) =>
      fake.offer(query.body.origin.port, {
        qid: query.body.qid,
        file,
        size: data.length,
        sha256: sha,
        pieceSize,
        pieces: pieces.toString('base64'),
        prefixes: prefixes.toString('base64'),
        from: fake.ref(),
      });
    for (const bad of ['../payload.txt', '/tmp/payload.txt', 'docs/../../payload.txt', 'docs\\payload.txt']) {
      const { answer } = await offer(bad);
      assert.is(answer.kind, 'decline', bad);
      assert.match(answer.kind === 'decline' ? answer.body.reason : '', /absolute|\.\.|backslash/, bad);
    }
    await r.waitFor((e) => e.event === 'log' && /declined mallory's offer of \.\.\/payload\.txt/.test(e.message), 5000);
    assert.not.ok(existsSync(join(r.dir, 'payload.txt')));
    assert.not.ok(existsSync('/tmp/payload.txt') && sha256File('/tmp/payload.txt') === sha);
    // A holder asked with a hostile fetch refuses it and says so.
    mesh.seed('s1', { 'docs/a.txt': 'a' });
    const s1 = await mesh.startPeer('s1');
    await s1.waitHashed();
    const refused = await r.ask('../docs/a.txt', 'error');
    assert.match(refused.event === 'error' ? refused.message : '', /\.\./);
  } finally {
    fake.close();
    await mesh.close();
  }
});

test('a nested download cut by SIGKILL resumes at its path on restart', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    const size = 160 * MiB;
    const data = randomBytes(size);
    mesh.seed('s1', { 'media/2024/big.bin': data });
    await (await mesh.startPeer('s1')).waitHashed(60_000);
    const me = await mesh.startPeer('me', ['--verbose']);
    me.send('big.bin');
    await me.waitFor((e) => e.event === 'download-progress' && e.received >= size * 0.2, 30_000);
    me.kill('SIGKILL');
    await me.waitExit();
    assert.not.ok(existsSync(join(me.dir, 'Downloads', 'media', '2024', 'big.bin')));
    const again = await mesh.startPeer('me', ['--verbose']);
    const resumed = await again.waitFor('download-resumed', 10_000);
    assert.ok(
      resumed.event === 'download-resumed' && resumed.file === 'media/2024/big.bin' && resumed.have > 0,
      JSON.stringify(resumed),
    );
    const done = await again.waitFor((e) => e.event === 'download-complete' || e.event === 'download-failed', 60_000);
    assert.is(done.event, 'download-complete', JSON.stringify(done).slice(0, 300));
    assert.is((done as Complete).path, 'Downloads/media/2024/big.bin');
    assert.is(sha256File(join(again.dir, 'Downloads', 'media', '2024', 'big.bin')), sha256(data));
  } finally {
    await mesh.close();
  }
});

test.run();
