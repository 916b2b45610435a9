/**
 * A hostile owner at a mirror (docs/CONTRACT.md "Mirror, discovery and bandwidth"): a scripted member speaking the
 * real mirror protocol (fake-peer.ts) links to a `--mirror` peer, is dialled as an owner, and then lies: hostile
 * paths, impossible sizes, a version going backwards, a deletion of a path it never published, bytes that do not
 * match their SHA-256. Each is refused and logged, that owner's connection is closed, nothing is written outside
 * `Mirror/`, and files already finished stay whole. The other way round, a curious mirror gets from a real owner
 * only the paths of its published tree, with their published content.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { MirrorEntry } from '../../common/wire/mirror-messages.js';
import type { PeerEvent } from '../control/peer-events.js';
import { FakePeer, pieceFrame, type FakeChannel } from './fake-peer.js';
import { Transport } from '../transport/transport.js';
import { peerMessages, type PeerMessages } from '../../common/wire/peer-messages.js';
import type { Tagged } from '../../common/message-table.js';
import { Mesh, type PeerProcess } from '../../harness/mesh.js';
import { MIRROR_MAX_FILES_ENV, MIRROR_MAX_TREE_BYTES_ENV } from '../mirror/mirror-limits.js';

const [MAX_FILES, MAX_BYTES] = [50, 32 * 1024];
const test = suite<{ mesh: Mesh; mir: PeerProcess; fakes: FakePeer[] }>('hostile owner');
const EPOCH = 'hostile-epoch-1';

const sha = (data: string) => createHash('sha256').update(data).digest('hex');
const entry = (path: string, data: string, seq = 1, size = Buffer.byteLength(data)): MirrorEntry => ({
  path,
  size,
  sha256: sha(data),
  mtime: 1_700_000_000_000,
  seq,
});

/** A fake owner linked to the mirror; resolves once the mirror dialled it with `mirror-since`. */
async function owner(ctx: { mesh: Mesh; mir: PeerProcess; fakes: FakePeer[] }, name: string): Promise<FakeChannel> {
  // The last test's fake leaves: the mirror keeps its few neighbour slots for the next one.
  ctx.fakes.splice(0).forEach((f) => f.close());
  const fake = new FakePeer(name, ctx.mesh.mode);
  ctx.fakes.push(fake);
  await fake.listen();
  await fake.linkTo(ctx.mir.port);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const got = fake.inbound.find((i) => i.first.kind === 'mirror-since');
    if (got) return got.channel;
    if (Date.now() > deadline) throw new Error(`${name} was not dialled as an owner`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Answers every `mirror-get` on `channel` with `bytes[path]` (what the owner claims the file holds), and every
 * `mirror-gets` with one `mirror-batch` (`order` may reorder its files).
 */
function serve(channel: FakeChannel, bytes: Record<string, string>, order = <T>(files: T[]) => files): void {
  channel.on('message', (m) => {
    if (m.kind === 'mirror-gets') {
      const files = m.body.files.map((f, i) => ({ n: m.body.n + i, data: Buffer.from(bytes[f.path] ?? '') }));
      return void channel.send('mirror-batch', { files: order(files) });
    }
    if (m.kind !== 'mirror-get') return;
    const data = Buffer.from(bytes[m.body.path] ?? '');
    channel.send('mirror-file', { n: m.body.n, ok: true, size: data.length, reason: '' });
    channel.sendRaw(pieceFrame(m.body.n, data));
  });
}

/** A fake owner whose tree is one file, honestly served; resolves once the mirror holds it. */
async function syncedOne(
  ctx: { mesh: Mesh; mir: PeerProcess; fakes: FakePeer[] },
  name: string,
  path: string,
  data: string,
  seq: number,
): Promise<FakeChannel> {
  const channel = await owner(ctx, name);
  serve(channel, { [path]: data });
  const from = ctx.mir.events.length;
  const files = [entry(path, data, seq)];
  channel.send('mirror-changes', { epoch: EPOCH, seq, full: true, files, deleted: [], more: false });
  await ctx.mir.waitFor((e) => e.event === 'mirror' && e.owner === name && e.action === 'added', 5000, from);
  return channel;
}

function closed(channel: FakeChannel): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!channel.isOpen) return resolve();
    const timer = setTimeout(() => reject(new Error('the mirror did not close the connection')), 5000);
    channel.once('close', () => (clearTimeout(timer), resolve()));
  });
}

const refusedLog = (name: string, why: RegExp) => (e: PeerEvent) =>
  e.event === 'log' && e.message.startsWith(`mirror: refused ${name}:`) && why.test(e.message);

async function refusedWith(ctx: { mir: PeerProcess }, name: string, channel: FakeChannel, why: RegExp): Promise<void> {
  await ctx.mir.waitFor(refusedLog(name, why), 5000);
  await closed(channel);
  const status = await ctx.mir.waitFor(
    (e) => e.event === 'mirror-status' && e.owners.some((o) => o.owner === name && o.state === 'refused'),
    5000,
  );
  assert.ok(status);
}

/** Every file under the mirror's folder, relative to it. */
function tree(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? tree(join(dir, d.name), `${prefix}${d.name}/`) : [`${prefix}${d.name}`],
  );
}

test.before(async (ctx) => {
  ctx.mesh = new Mesh();
  ctx.fakes = [];
  await ctx.mesh.startServer();
  // Lower limits for one owner's tree (peer/mirror/mirror-limits.ts), so a tree beyond them is quick to send.
  Object.assign(process.env, {
    [MIRROR_MAX_FILES_ENV]: String(MAX_FILES),
    [MIRROR_MAX_TREE_BYTES_ENV]: String(MAX_BYTES),
  });
  try {
    ctx.mir = await ctx.mesh.startPeer('mir', ['--mirror']);
  } finally {
    delete process.env[MIRROR_MAX_FILES_ENV];
    delete process.env[MIRROR_MAX_TREE_BYTES_ENV];
  }
});

test.after(async (ctx) => {
  for (const f of ctx.fakes) f.close();
  // Nothing was written outside Mirror/: the peer's folder holds only its own folders, and no escaped file.
  const dir = ctx.mesh.dirOf('mir');
  assert.equal(readdirSync(dir).sort(), ['.p2p', 'Downloads', 'Mirror', 'shared']);
  assert.equal(tree(join(dir, 'shared')), []);
  assert.not.ok(existsSync(join(ctx.mesh.root, 'escape.txt')));
  assert.not.ok(tree(ctx.mesh.root).some((f) => f.endsWith('escape.txt')));
  assert.not.ok(tree(ctx.mesh.root).some((f) => f.endsWith('x.txt')));
  await ctx.mesh.close();
});

const hostilePaths: [string, string, RegExp][] = [
  ['dotdot', '../escape.txt', /hostile path.*"\.\."/],
  ['absolute', '/tmp/escape.txt', /hostile path.*absolute/],
  ['backslash', 'a\\..\\escape.txt', /hostile path.*backslash/],
  ['deep', `${'d/'.repeat(40)}escape.txt`, /hostile path.*deeper/],
];
for (const [name, path, why] of hostilePaths)
  test(`an entry with a hostile path (${name}) is refused`, async (ctx) => {
    const channel = await owner(ctx, name);
    channel.send('mirror-changes', {
      epoch: EPOCH,
      seq: 1,
      full: true,
      files: [entry('fine.txt', 'fine'), entry(path, 'evil')],
      deleted: [],
      more: false,
    });
    await refusedWith(ctx, name, channel, why);
    assert.not.ok(existsSync(join(ctx.mesh.dirOf('mir'), 'Mirror', name, 'fine.txt')), 'nothing of that batch applied');
  });

const badSizes: [string, number, RegExp][] = [
  ['negative', -1, /size must be between 0/],
  ['fraction', 1.5, /size must be an integer/],
  ['unsafe', 2 ** 53, /size must be an integer/],
  ['huge', 2 ** 50, /impossible size/],
];
for (const [name, size, why] of badSizes)
  test(`an impossible size (${name}) is refused`, async (ctx) => {
    const channel = await owner(ctx, `size-${name}`);
    const files = [entry('big.bin', 'x', 1, size)];
    channel.send('mirror-changes', { epoch: EPOCH, seq: 1, full: true, files, deleted: [], more: false });
    // A size the schema refuses closes the connection as a bad message; one it lets through is refused by the mirror.
    await refusedWith(ctx, `size-${name}`, channel, why);
  });

test('a version going backwards in the same epoch is refused; the file already finished stays whole', async (ctx) => {
  const channel = await syncedOne(ctx, 'backwards', 'kept.txt', 'kept whole', 5);
  channel.send('mirror-changed', { epoch: EPOCH, seq: 3 });
  await refusedWith(ctx, 'backwards', channel, /version went backwards \(3 after 5\)/);
  assert.is(readFileSync(join(ctx.mesh.dirOf('mir'), 'Mirror', 'backwards', 'kept.txt'), 'utf8'), 'kept whole');
});

test('a deletion of a path never published is refused', async (ctx) => {
  const channel = await syncedOne(ctx, 'phantom', 'real.txt', 'real', 2);
  channel.on('message', (m) => {
    if (m.kind !== 'mirror-since') return;
    const deleted = [{ path: 'never.txt', seq: 3 }];
    channel.send('mirror-changes', { epoch: EPOCH, seq: 3, full: false, files: [], deleted, more: false });
  });
  channel.send('mirror-changed', { epoch: EPOCH, seq: 3 });
  await refusedWith(ctx, 'phantom', channel, /deletion of never\.txt, which was never published/);
  assert.is(readFileSync(join(ctx.mesh.dirOf('mir'), 'Mirror', 'phantom', 'real.txt'), 'utf8'), 'real');
});

test('bytes that do not match their SHA-256 are refused and never placed', async (ctx) => {
  const channel = await owner(ctx, 'liar');
  serve(channel, { 'good.txt': 'good', 'bad.txt': 'PUBLISHED' }); // the size published, other bytes
  const files = [entry('good.txt', 'good', 1), entry('bad.txt', 'published', 2)];
  channel.send('mirror-changes', { epoch: EPOCH, seq: 2, full: true, files, deleted: [], more: false });
  await refusedWith(ctx, 'liar', channel, /the bytes of bad\.txt do not match its SHA-256/);
  const root = join(ctx.mesh.dirOf('mir'), 'Mirror', 'liar');
  assert.not.ok(existsSync(join(root, 'bad.txt')));
  assert.is(readFileSync(join(root, 'good.txt'), 'utf8'), 'good');
  assert.equal(tree(join(ctx.mesh.dirOf('mir'), '.p2p', 'mirror-partial')), [], 'no partial file left');
});

test('a batch of files out of request order is refused; nothing of it is placed', async (ctx) => {
  const channel = await owner(ctx, 'shuffler');
  serve(channel, { 'a.txt': 'aaa', 'b.txt': 'bbb' }, (files) => [...files].reverse());
  const files = [entry('a.txt', 'aaa', 1), entry('b.txt', 'bbb', 1)];
  channel.send('mirror-changes', { epoch: EPOCH, seq: 1, full: true, files, deleted: [], more: false });
  await refusedWith(ctx, 'shuffler', channel, /an answer to request \d+ out of order/);
  assert.not.ok(existsSync(join(ctx.mesh.dirOf('mir'), 'Mirror', 'shuffler', 'a.txt')));
  assert.not.ok(existsSync(join(ctx.mesh.dirOf('mir'), 'Mirror', 'shuffler', 'b.txt')));
});

test('a batch carrying more bytes than a file was published with is refused', async (ctx) => {
  const channel = await owner(ctx, 'stuffer');
  serve(channel, { 'small.txt': 'published, and then some' });
  const files = [entry('small.txt', 'published', 1)];
  channel.send('mirror-changes', { epoch: EPOCH, seq: 1, full: true, files, deleted: [], more: false });
  await refusedWith(ctx, 'stuffer', channel, /small\.txt sent as 24 bytes, published as 9/);
  assert.not.ok(existsSync(join(ctx.mesh.dirOf('mir'), 'Mirror', 'stuffer', 'small.txt')));
});

test('a link found inside Mirror/ is never followed', async (ctx) => {
  const outside = join(ctx.mesh.root, 'outside');
  mkdirSync(outside);
  mkdirSync(join(ctx.mesh.dirOf('mir'), 'Mirror', 'linky'), { recursive: true });
  symlinkSync(outside, join(ctx.mesh.dirOf('mir'), 'Mirror', 'linky', 'sub'));
  const channel = await owner(ctx, 'linky');
  serve(channel, { 'sub/x.txt': 'through the link', 'y.txt': 'beside it' });
  const files = [entry('sub/x.txt', 'through the link', 1), entry('y.txt', 'beside it', 2)];
  const from = ctx.mir.events.length;
  channel.send('mirror-changes', { epoch: EPOCH, seq: 2, full: true, files, deleted: [], more: false });
  await ctx.mir.waitFor(
    (e) => e.event === 'log' && /linky's sub\/x\.txt not written: .*is a link: not followed/.test(e.message),
    5000,
    from,
  );
  await ctx.mir.waitFor((e) => e.event === 'mirror' && e.owner === 'linky' && e.path === 'y.txt', 5000, from);
  assert.equal(readdirSync(outside), []);
});

test('a tree of more files than a mirror holds for one owner is refused, though sent in batches', async (ctx) => {
  const channel = await owner(ctx, 'many');
  const files = Array.from({ length: MAX_FILES + 10 }, (_, i) => entry(`f${i}.txt`, `file ${i}`));
  const half = files.length / 2;
  channel.send('mirror-changes', {
    epoch: EPOCH,
    seq: 1,
    full: true,
    files: files.slice(0, half),
    deleted: [],
    more: true,
  });
  channel.send('mirror-changes', {
    epoch: EPOCH,
    seq: 1,
    full: true,
    files: files.slice(half),
    deleted: [],
    more: false,
  });
  await refusedWith(ctx, 'many', channel, new RegExp(`a tree of more than ${MAX_FILES} files`));
  assert.not.ok(existsSync(join(ctx.mesh.dirOf('mir'), 'Mirror', 'many', 'f0.txt')), 'nothing of that tree applied');
});

test('a tree whose paths cost more bytes than a mirror holds for one owner is refused', async (ctx) => {
  const channel = await owner(ctx, 'longpaths');
  const folders = ['d', 'e', 'f', 'g'].map((c) => c.repeat(200)).join('/');
  const files = Array.from({ length: 40 }, (_, i) => entry(`${folders}/${i}.txt`, `file ${i}`));
  channel.send('mirror-changes', { epoch: EPOCH, seq: 1, full: true, files, deleted: [], more: false });
  await refusedWith(ctx, 'longpaths', channel, new RegExp(`more than ${MAX_BYTES} bytes of paths and records`));
});

test('changes that grow a tree beyond the limit, or that nobody asked for, are refused', async (ctx) => {
  let channel = await syncedOne(ctx, 'grower', 'first.txt', 'first', 1);
  const files = Array.from({ length: MAX_FILES }, (_, i) => entry(`g${i}.txt`, `file ${i}`, 2));
  channel.on('message', (m) => {
    if (m.kind !== 'mirror-since') return;
    channel.send('mirror-changes', { epoch: EPOCH, seq: 2, full: false, files, deleted: [], more: false });
  });
  channel.send('mirror-changed', { epoch: EPOCH, seq: 2 });
  await refusedWith(ctx, 'grower', channel, new RegExp(`a tree of more than ${MAX_FILES} files`));
  assert.is(readFileSync(join(ctx.mesh.dirOf('mir'), 'Mirror', 'grower', 'first.txt'), 'utf8'), 'first');

  channel = await syncedOne(ctx, 'pusher', 'one.txt', 'one', 1);
  const pushed = [entry('two.txt', 'two', 2)];
  channel.send('mirror-changes', { epoch: EPOCH, seq: 2, full: false, files: pushed, deleted: [], more: false });
  await refusedWith(ctx, 'pusher', channel, /changes nobody asked for/);
  assert.not.ok(existsSync(join(ctx.mesh.dirOf('mir'), 'Mirror', 'pusher', 'two.txt')));
});

test('of two paths differing only in case, one is written; the other is named in the status, not behind', async (ctx) => {
  const channel = await owner(ctx, 'cases');
  serve(channel, { 'Read.txt': 'upper', 'read.txt': 'lower' });
  const files = [entry('Read.txt', 'upper', 1), entry('read.txt', 'lower', 1)];
  const from = ctx.mir.events.length;
  channel.send('mirror-changes', { epoch: EPOCH, seq: 1, full: true, files, deleted: [], more: false });
  const status = await ctx.mir.waitFor(
    (e) => e.event === 'mirror-status' && e.owners.some((o) => o.owner === 'cases' && o.state === 'in-sync'),
    5000,
    from,
  );
  const o = status.event === 'mirror-status' ? status.owners.find((x) => x.owner === 'cases')! : undefined;
  assert.equal([o?.behind, o?.files], [0, 1]);
  assert.match(o?.problem ?? '', /1 path differs only in case from another of the tree, not written \(read\.txt\)/);
  assert.equal(readdirSync(join(ctx.mesh.dirOf('mir'), 'Mirror', 'cases')), ['Read.txt']);
});

test('an owner serves only paths of its published tree, with their content', async (ctx) => {
  ctx.mesh.seed('own', { 'a.txt': 'published' });
  const own = await ctx.mesh.startPeer('own');
  await own.waitHashed();
  const transport = new Transport({ mesh: ctx.mesh.mode });
  const channel: FakeChannel = await transport.dial({ host: '127.0.0.1', port: own.port }, peerMessages);
  const got: Tagged<PeerMessages>[] = [];
  channel.on('message', (m) => got.push(m));
  const self = { name: 'curious', id: 'curious-id-1', host: '127.0.0.1', port: 1 };
  channel.send('mirror-since', { epoch: '', seq: 0, from: self });
  const until = async (pred: (m: Tagged<PeerMessages>) => boolean) => {
    for (let i = 0; i < 200 && !got.some(pred); i++) await new Promise((r) => setTimeout(r, 25));
    return got.find(pred);
  };
  const changes = await until((m) => m.kind === 'mirror-changes');
  assert.ok(changes?.kind === 'mirror-changes' && changes.body.full);
  const a = changes.body.files.find((f) => f.path === 'a.txt')!;
  assert.is(a.sha256, sha('published'));
  const asks: [string, string][] = [
    ['../.p2p/identity.key', a.sha256],
    ['.p2p/identity.key', a.sha256],
    ['a.txt', sha('something else')],
    ['a.txt', a.sha256],
  ];
  asks.forEach(([path, sha256], i) => channel.send('mirror-get', { n: i + 1, path, sha256, offset: 0 }));
  const answers = [];
  for (let n = 1; n <= 4; n++) answers.push(await until((m) => m.kind === 'mirror-file' && m.body.n === n));
  assert.equal(
    answers.map((m) => m?.kind === 'mirror-file' && m.body.ok),
    [false, false, false, true],
  );
  const piece = await until((m) => m.kind === 'piece' && m.body.index === 4);
  assert.is(piece?.kind === 'piece' && piece.body.data.toString(), 'published');
  // The same asked in one `mirror-gets`: the refusals come in order, the published file in a batch.
  channel.send('mirror-gets', { n: 5, files: asks.map(([path, sha256]) => ({ path, sha256 })) });
  const refusals = [];
  for (let n = 5; n <= 7; n++) refusals.push(await until((m) => m.kind === 'mirror-file' && m.body.n === n));
  assert.equal(
    refusals.map((m) => m?.kind === 'mirror-file' && m.body.ok),
    [false, false, false],
  );
  const batch = await until((m) => m.kind === 'mirror-batch');
  assert.equal(batch?.kind === 'mirror-batch' && batch.body.files.map((f) => [f.n, f.data.toString()]), [
    [8, 'published'],
  ]);
  assert.not.ok(got.some((m) => m.kind === 'mirror-file' && m.body.n === 8));
  channel.destroy();
  own.kill('SIGTERM');
});

test.run();
