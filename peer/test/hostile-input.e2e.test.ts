/**
 * Bad input at a peer (docs/CONTRACT.md "What bad input gets"): garbage, truncated and oversized frames; queries for
 * paths outside the shared folder; a holder that lies about its bytes or dies mid-transfer; unknown commands;
 * refused joins. Each gets a clear error, closes only the offending connection, leaves nothing under a final name,
 * and the rest keeps working.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Tagged } from '../../common/message-table.js';
import type { PeerMessages } from '../../common/wire/peer-messages.js';
import { FakePeer, describe, dialRaw, pieceFrame, type FakeChannel } from './fake-peer.js';
import type { MeshMode } from '../../common/mesh-tls.js';
import { Mesh, PEER_BIN, type PeerProcess } from '../../harness/mesh.js';
import { spawn } from 'node:child_process';

const test = suite<{ mesh: Mesh; s1: PeerProcess; s2: PeerProcess }>('hostile input');

/**
 * Writes raw bytes to a peer's port as a member of the mesh (past the mesh-key handshake, so the bytes reach the
 * frame decoder); resolves true when the peer closed the connection within the time.
 */
async function rawExchange(mode: MeshMode, port: number, bytes: Buffer, endAfter = false): Promise<boolean> {
  const socket = await dialRaw(port, mode);
  socket.write(bytes);
  if (endAfter) socket.end();
  return new Promise((resolve) => {
    const timer = setTimeout(() => (socket.destroy(), resolve(false)), 7000);
    socket.on('error', () => undefined);
    socket.on('close', () => (clearTimeout(timer), resolve(true)));
    socket.resume();
  });
}

/**
 * Links a fake neighbour to `s1`, types `file` on s1, catches the flooded query, and dials back as the holder of
 * `truth` with an honest offer. Resolves once the requester asks for pieces, with the transfer channel, the piece
 * size, the event index before the command, the content's SHA-256 and the first piece asked for (pieces are picked
 * at random at first: docs/PROTOCOL.md "Swarming").
 */
async function fakeHolderFor(s1: PeerProcess, fake: FakePeer, file: string, truth: Buffer) {
  await fake.linkTo(s1.port);
  const from = s1.events.length;
  s1.send(file);
  const query = await fake.waitFor((m) => m.kind === 'query' && m.body.file === file, 5000);
  if (query.kind !== 'query') throw new Error('not a query');
  const { sha256, pieceSize, pieces, prefixes } = describe(truth);
  const { channel, answer } = await fake.offer(query.body.origin.port, {
    qid: query.body.qid,
    file,
    size: truth.length,
    sha256,
    pieceSize,
    pieces: pieces.toString('base64'),
    prefixes: prefixes.toString('base64'),
    from: fake.ref(),
  });
  assert.is(answer.kind, 'want');
  // The requester first says it listens (an empty want), then asks for one piece.
  const asked =
    answer.kind === 'want' && answer.body.pieces.length > 0
      ? answer.body
      : await nextWant(channel, (p) => p.length > 0);
  assert.is(asked.pieces.length, 1, 'one piece in flight');
  return { channel, pieceSize, from, sha256, first: asked.pieces[0]! };
}

/** The next `want` on `channel` whose pieces satisfy `pred` (bounded). */
function nextWant(channel: FakeChannel, pred: (pieces: number[]) => boolean): Promise<PeerMessages['want']> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no piece was asked for')), 5000);
    const onMessage = (m: Tagged<PeerMessages>) => {
      if (m.kind !== 'want' || !pred(m.body.pieces)) return;
      clearTimeout(timer);
      channel.off('message', onMessage);
      resolve(m.body);
    };
    channel.on('message', onMessage);
  });
}

/** Is piece `i`'s bit set in a `.have` record's bitfield? */
const held = (have: Buffer, i: number) => (have[i >> 3]! & (1 << (i & 7))) !== 0;

test.before(async (ctx) => {
  ctx.mesh = new Mesh();
  await ctx.mesh.startServer();
  ctx.mesh.seed('s2', { 'public.txt': 'shareable\n' });
  writeFileSync(join(ctx.mesh.root, 'secret.txt'), 'outside the shared folder\n');
  symlinkSync(join(ctx.mesh.root, 'secret.txt'), join(ctx.mesh.dirOf('s2'), 'shared', 'link-out.txt'));
  ctx.s1 = await ctx.mesh.startPeer('s1');
  ctx.s2 = await ctx.mesh.startPeer('s2');
});

test.after(async (ctx) => {
  await ctx.mesh.close();
});

test('garbage, truncated and oversized frames close only their own connection', async ({ s1, s2, mesh }) => {
  const port = s2.port;
  assert.ok(await rawExchange(mesh.mode, port, randomBytes(4096)), 'garbage is cut off');
  const truncated = Buffer.alloc(14);
  truncated.writeUInt32BE(100, 0);
  truncated.writeUInt8(1, 4);
  assert.ok(await rawExchange(mesh.mode, port, truncated, true), 'a truncated frame is cut off');
  const oversized = Buffer.from([0xff, 0xff, 0xff, 0xff, 1]);
  assert.ok(await rawExchange(mesh.mode, port, oversized), 'an oversized frame is cut off');
  const badJson = Buffer.concat([Buffer.from([0, 0, 0, 6, 1]), Buffer.from('{oops')]);
  assert.ok(await rawExchange(mesh.mode, port, badJson), 'a malformed hello is cut off');
  assert.match(s2.stderr, /closed a connection from 127\.0\.0\.1/);
  // The neighbour link between s1 and s2 is untouched and the mesh still serves files.
  assert.equal(s1.neighbours(), ['s2']);
  const done = await s1.ask('public.txt', (e) => e.event === 'download-complete' || e.event === 'not-found');
  assert.is(done.event, 'download-complete');
});

test('queries for paths outside the shared folder are refused; a link that leads out is not served', async ({
  mesh,
  s2,
}) => {
  const fake = new FakePeer('mallory', mesh.mode);
  await fake.listen();
  try {
    const link = await fake.linkTo(s2.port);
    const ask = (qid: string, file: string) => link.send('query', { qid, file, hops: 1, origin: fake.ref() });
    ask('q-dotdot-0000001', '../secret.txt');
    ask('q-absolute-00001', join(mesh.root, 'secret.txt'));
    ask('q-symlink-000001', 'link-out.txt');
    ask('q-control-000001', 'public.txt'); // control: a legitimate file is offered over the same link
    const refused = await s2.waitFor((e) => e.event === 'query-seen' && e.query === 'q-absolute-00001', 5000);
    assert.is(refused.event === 'query-seen' && refused.action, 'refused');
    const dotdot = s2.events.find((e) => e.event === 'query-seen' && e.query === 'q-dotdot-0000001');
    assert.is(dotdot?.event === 'query-seen' && dotdot.action, 'refused');
    const deadline = Date.now() + 2000;
    while (fake.inbound.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(
      fake.inbound.map((c) => c.first.kind === 'offer' && c.first.body.file),
      ['public.txt'],
      'only the legitimate file was offered',
    );
  } finally {
    fake.close();
  }
});

test('a holder whose bytes do not match their hashes is excluded; nothing lands in Downloads', async ({ s1, mesh }) => {
  const fake = new FakePeer('mallory', mesh.mode);
  await fake.listen();
  try {
    const truth = randomBytes(3 * 1024 * 1024 + 7);
    const { channel, pieceSize, from, sha256, first } = await fakeHolderFor(s1, fake, 'lie.bin', truth);
    const piece = (i: number) => truth.subarray(i * pieceSize, (i + 1) * pieceSize);
    const next = nextWant(channel, (p) => p.length > 0);
    channel.sendRaw(pieceFrame(first, piece(first)));
    const second = (await next).pieces[0]!;
    const lie = Buffer.from(piece(second));
    lie[0] = lie[0]! ^ 0xff; // one flipped bit in the second piece asked for
    channel.sendRaw(pieceFrame(second, lie));
    const bad = new RegExp(`mallory sent a bad piece: piece ${second} did not match its SHA-256: mallory is excluded`);
    const excluded = await s1.waitFor((e) => e.event === 'log' && bad.test(e.message), 8000, from);
    assert.ok(excluded);
    await new Promise((r) => setTimeout(r, 300));
    assert.not.ok(existsSync(join(s1.dir, 'Downloads', 'lie.bin')));
    // The good first piece is kept for a resume; the bad one is not.
    const have = readFileSync(join(s1.dir, '.p2p', 'partial', `${sha256}.have`));
    assert.ok(held(have, first) && !held(have, second), `piece ${first} kept, ${second} not`);
  } finally {
    fake.close();
  }
});

test('a holder that dies mid-transfer leaves nothing under the final name, and the received pieces are kept', async ({
  s1,
  mesh,
}) => {
  const fake = new FakePeer('mallory', mesh.mode);
  await fake.listen();
  try {
    const truth = randomBytes(4 * 1024 * 1024);
    const { channel, pieceSize, from, sha256, first } = await fakeHolderFor(s1, fake, 'dies.bin', truth);
    const piece = (i: number) => truth.subarray(i * pieceSize, (i + 1) * pieceSize);
    const next = nextWant(channel, (p) => p.length > 0);
    channel.sendRaw(pieceFrame(first, piece(first)));
    const second = (await next).pieces[0]!;
    channel.sendRaw(pieceFrame(second, piece(second)).subarray(0, 5000)); // half a frame, then gone
    await new Promise((r) => setTimeout(r, 100));
    channel.destroy();
    const dropped = await s1.waitFor(
      (e) => e.event === 'log' && /dies\.bin: mallory dropped/.test(e.message),
      8000,
      from,
    );
    assert.ok(dropped);
    assert.not.ok(existsSync(join(s1.dir, 'Downloads', 'dies.bin')));
    await new Promise((r) => setTimeout(r, 300));
    const have = readFileSync(join(s1.dir, '.p2p', 'partial', `${sha256}.have`));
    assert.ok(held(have, first) && !held(have, second), `piece ${first} is kept, the half piece ${second} is not`);
  } finally {
    fake.close();
  }
});

test('an offer for a file not asked for, or for an unknown search, is declined', async ({ s1, mesh }) => {
  const fake = new FakePeer('mallory', mesh.mode);
  await fake.listen();
  try {
    const data = Buffer.from('x');
    const { sha256, pieceSize, pieces, prefixes } = describe(data);
    const base = {
      size: 1,
      sha256,
      pieceSize,
      pieces: pieces.toString('base64'),
      prefixes: prefixes.toString('base64'),
      from: fake.ref(),
    };
    const unknown = await fake.offer(s1.port, { ...base, qid: 'nobody-asked-0001', file: 'x.txt' });
    assert.is(unknown.answer.kind, 'decline');
    const escaping = await fake.offer(s1.port, { ...base, qid: 'nobody-asked-0002', file: '../x.txt' });
    assert.is(escaping.answer.kind, 'decline');
  } finally {
    fake.close();
  }
});

test('an unknown command gets a one-line error and the peer keeps serving', async ({ s1, mesh }) => {
  const e = await s1.ask('TOPO please', 'error');
  assert.ok(e.event === 'error' && /unknown command "TOPO please"/.test(e.message));
  const bad = await s1.ask('../../etc/passwd', 'error');
  assert.ok(bad.event === 'error' && /path/.test(bad.message));
  const help = await s1.ask('HELP', 'help');
  assert.ok(help.event === 'help' && help.commands.some((c) => c.command === 'TOPO'));
});

test('a duplicate live name and an invalid name are refused with exit code 2 and one sentence', async ({ mesh }) => {
  const dup = await mesh.startPeer('S1', [], false);
  assert.is(await dup.waitExit(), 2);
  assert.match(dup.stderr, /refused this peer: .*s1.*/i);
  const child = spawn(process.execPath, [PEER_BIN, 'bad name!', '--headless'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise((r) => child.on('exit', r));
  assert.is(code, 2);
  assert.match(err, /not a valid peer name/);
});

test('a full mesh refuses the next peer (here --max-peers 2)', async () => {
  const small = new Mesh();
  try {
    await small.startServer(['--max-peers', '2']);
    await small.startPeer('a1');
    await small.startPeer('a2');
    const third = await small.startPeer('a3', [], false);
    assert.is(await third.waitExit(), 2);
    assert.match(third.stderr, /full/);
  } finally {
    await small.close();
  }
});

test('a peer that cannot reach the metadata server says so, retries, and joins once it is up', async () => {
  const free = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
  const late = new Mesh();
  try {
    late.serverAddress = `127.0.0.1:${free}`;
    const peer = await late.startPeer('early', [], false);
    const deadline = Date.now() + 5000;
    while (!/cannot reach the metadata server/.test(peer.stderr) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    assert.match(peer.stderr, /cannot reach the metadata server at 127\.0\.0\.1:\d+ .*retrying in/);
    const server = spawn(
      process.execPath,
      [
        join(PEER_BIN, '..', '..', 'metadata-server', 'main.js'),
        '--port',
        String(free),
        '--peer-ports',
        '45000-45199',
        '--state',
        join(late.root, '.server-state'),
        ...late.meshArgs(),
      ],
      { stdio: 'ignore' },
    );
    late.server = server;
    const ready = await peer.waitFor('ready', 15_000);
    assert.is(ready.event, 'ready');
  } finally {
    await late.close();
  }
});

test.run();
