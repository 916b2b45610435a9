/**
 * Swarming (docs/PROTOCOL.md "Swarming"): the `have` bitfield and messages as hostile input, the picker's rarest-
 * first choice among the pieces a source holds, announcing, upload slots and the crowd's introductions.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Channel } from '../../common/channel.js';
import { FrameDecoder } from '../../common/frame-decoder.js';
import { encodeFrame } from '../../common/frame-encoder.js';
import { duplexPair } from '../../common/test/duplex-pair.js';
import { peerMessages, type PeerMessages } from '../../common/wire/peer-messages.js';
import type { Tagged } from '../../common/message-table.js';
import { Bitfield } from '../content/bitfield.js';
import { PiecePicker } from '../content/piece-picker.js';
import { seeded } from '../../harness/fuzz/picker-model.js';
import { decodeHave, encodeHave, haveProblem } from '../transfer/availability.js';
import { Crowd } from '../transfer/crowd.js';
import { DownloadSource } from '../transfer/download-source.js';
import { Announcer, UploadSlots, type ServedPartial } from '../transfer/partial-serving.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MiB = 1024 * 1024;
const ref = (name: string) => ({ name, id: `${name}-id-123456`, host: '127.0.0.1', port: 7000 });

const decodeRaw = (kind: keyof PeerMessages & string, body: unknown) => () =>
  peerMessages.decode(
    new FrameDecoder({ maxFrameBytes: 4 << 20 }).push(
      encodeFrame(peerMessages.typeOf(kind), Buffer.from(JSON.stringify(body))),
    )[0]!,
  );

test('a have bitfield must have exactly the bytes of its piece count, and no bit past the last piece', () => {
  const ten = new Bitfield(10);
  ten.set(0);
  ten.set(9);
  const good = decodeHave(encodeHave(ten), 10);
  assert.ok(good instanceof Bitfield);
  assert.ok((good as Bitfield).has(9) && (good as Bitfield).has(0) && (good as Bitfield).count === 2);
  assert.match(decodeHave(Buffer.from([1]).toString('base64'), 10) as string, /1 bytes, not 2/);
  assert.match(decodeHave(Buffer.from([1, 2, 3]).toString('base64'), 10) as string, /3 bytes, not 2/);
  assert.match(decodeHave(Buffer.from([0, 0b100]).toString('base64'), 10) as string, /past the last piece/);
  assert.match(decodeHave('AA', 8) as string, /plain base64/); // unpadded
  assert.ok(decodeHave(Buffer.from([0xff]).toString('base64'), 8) instanceof Bitfield, 'no spare bits: all may be set');
  assert.is(haveProblem([0, 9], 10), undefined);
  assert.match(haveProblem([3, 10], 10)!, /piece 10, beyond the last \(9\)/);
});

test('have and peers messages are bounded by their schema', () => {
  const qid = 'transfer-1';
  assert.equal(decodeRaw('have', { qid, pieces: [0, 8191] })().body, { qid, pieces: [0, 8191] });
  assert.throws(decodeRaw('have', { qid, pieces: [8192] }), /between 0 and 8191/);
  assert.throws(decodeRaw('have', { qid, pieces: [-1] }));
  assert.throws(decodeRaw('have', { qid, pieces: Array(257).fill(1) }), /at most 256/);
  assert.throws(decodeRaw('peers', { qid, peers: Array.from({ length: 9 }, (_, i) => ref(`p${i}`)) }), /at most 8/);
  assert.throws(decodeRaw('peers', { qid, peers: [{ ...ref('p1'), host: 'a b' }] }));
  const offer = {
    qid,
    file: 'a.bin',
    size: 1,
    sha256: 'a'.repeat(64),
    pieceSize: MiB,
    pieces: '',
    prefixes: '',
    from: ref('h'),
  };
  assert.throws(decodeRaw('offer', { ...offer, have: 'A'.repeat(1400) }), /have/);
  assert.throws(decodeRaw('offer', { ...offer, have: '**' }), /have/);
  assert.is((decodeRaw('offer', offer)().body as PeerMessages['offer']).have, undefined, 'a full holder omits it');
});

function sourceRig() {
  const [near, far] = duplexPair();
  // 3 pieces: 2 MiB + 5 bytes in 1 MiB pieces.
  const source = new DownloadSource(
    'p1',
    new Channel(near, peerMessages),
    'transfer-1',
    2 * MiB + 5,
    MiB,
    10_000,
    60_000,
    true, // still downloading: its offer carried a bitfield
  );
  const other = new Channel(far, peerMessages);
  const heard: Tagged<PeerMessages>[] = [];
  other.on('message', (m) => heard.push(m));
  return { source, other, heard };
}

test('a source takes have and peers messages, and is dropped for a have past the last piece', async () => {
  const { source, other, heard } = sourceRig();
  const haves: number[][] = [];
  const peers: string[][] = [];
  let gone = '';
  source.on('have', (p) => haves.push(p));
  source.on('peers', (p) => peers.push(p.map((r) => r.name)));
  source.on('gone', (reason) => (gone = reason));
  await sleep(20);
  assert.ok(
    heard.some((m) => m.kind === 'want' && m.body.pieces.length === 0),
    'it says at once that it listens',
  );
  other.send('have', { qid: 'transfer-1', pieces: [1, 2] });
  other.send('peers', { qid: 'transfer-1', peers: [ref('p2')] });
  await sleep(20);
  assert.equal(haves, [[1, 2]]);
  assert.equal(peers, [['p2']]);
  other.send('have', { qid: 'transfer-1', pieces: [3] });
  await sleep(20);
  assert.match(gone, /announced piece 3, beyond the last \(2\)/);
  other.destroy();
});

test('a source that declines mid-transfer is dropped with its reason', async () => {
  const { source, other } = sourceRig();
  let gone = '';
  source.on('gone', (reason) => (gone = reason));
  other.send('decline', { qid: 'transfer-1', reason: 'asked for piece 2, which this peer has not announced' });
  await sleep(20);
  assert.match(gone, /declined: asked for piece 2/);
  other.destroy();
});

function served(count: number) {
  const have = new Bitfield(count);
  const verified = new Set<(i: number) => void>();
  const ended = new Set<(complete: boolean, reason: string) => void>();
  const partial: ServedPartial = {
    file: 'a.bin',
    manifest: { size: count * MiB, sha256: 'a'.repeat(64), pieceSize: MiB, pieces: [], prefixes: [] } as never,
    path: '/nonexistent',
    have,
    onVerified: (l) => (verified.add(l), () => verified.delete(l)),
    onEnded: (l) => (ended.add(l), () => ended.delete(l)),
    met: () => undefined,
  };
  const verify = (i: number) => {
    have.set(i);
    for (const l of verified) l(i);
  };
  return { partial, have, verify, verified, ended };
}

test('an announcer refuses a want of a piece it has not announced, and announces what it verifies', () => {
  const { partial, have, verify, verified } = served(20);
  have.set(3);
  const sent: number[][] = [];
  let ended = '';
  const a = new Announcer(
    partial,
    (p) => sent.push(p),
    (why) => (ended = why),
  );
  const field = decodeHave(a.offerField(), 20) as Bitfield;
  assert.ok(field.has(3) && field.count === 1, 'the offer carries what is verified');
  assert.is(a.refusal([3]), undefined);
  verify(5); // verified, but not yet announced to this requester: asking for it is an error
  assert.match(a.refusal([3, 5])!, /piece 5, which this peer has not announced/);
  a.start(); // the requester listens: it hears the catch-up
  assert.equal(sent, [[5]]);
  assert.is(a.refusal([5]), undefined);
  verify(7);
  assert.equal(sent, [[5], [7]]);
  a.stop();
  assert.is(verified.size, 0, 'stop unsubscribes');
  assert.is(ended, '');
});

test('an announcer ends its upload when the download stops without the file, not when it completes', () => {
  const { partial, ended } = served(4);
  const reasons: string[] = [];
  const a = new Announcer(
    partial,
    () => undefined,
    (why) => reasons.push(why),
  );
  a.offerField();
  for (const l of ended) l(true, 'complete');
  assert.equal(reasons, []);
  for (const l of ended) l(false, 'cancelled by the user');
  assert.equal(reasons, ['its download ended: cancelled by the user']);
});

test('the picker asks a partial source only for pieces it announced, rarest first', () => {
  const have = new Bitfield(8);
  for (let i = 0; i < 4; i++) have.set(i); // past the random first pieces
  const p = new PiecePicker(have, { depth: 1, random: () => 0.99 });
  const bits = (...on: number[]) => {
    const b = new Bitfield(8);
    on.forEach((i) => b.set(i));
    return b;
  };
  p.addSource('x', bits(4, 5));
  p.addSource('y', bits(5, 6));
  p.addSource('z', bits());
  assert.equal(p.pick('z'), [], 'z holds nothing');
  assert.equal(p.pick('full'), [7], 'a full holder is asked for the piece nobody else holds');
  assert.equal(p.pick('x'), [4], '4 has one copy, 5 two');
  assert.equal(p.announce('z', [6, 6, 5]), [6, 5], 'new pieces count once');
  assert.equal(p.pick('z'), [6], '6 has two copies, 5 three');
  assert.equal(p.announce('full', [1]), [], 'a full holder announces nothing new');
  p.dropSource('y');
  assert.ok(!p.holds('y', 6) || p.holds('y', 7), 'a dropped source is forgotten');
});

test('while few pieces are held the picker picks at random; rarest ties break at random', () => {
  const firsts = new Set<number>();
  for (let seed = 1; seed <= 40; seed++) {
    const p = new PiecePicker(new Bitfield(200), { depth: 1, random: seeded(seed) });
    firsts.add(p.pick('holder')[0]!);
  }
  assert.ok(firsts.size >= 30, `40 newcomers asking one holder picked only ${firsts.size} distinct first pieces`);
  const have = new Bitfield(10);
  for (let i = 0; i < 5; i++) have.set(i);
  const p = new PiecePicker(have, { depth: 5, randomFirst: 0, random: () => 0.99 });
  const b = new Bitfield(10);
  b.set(9);
  p.addSource('peer', b);
  assert.equal(p.pick('holder').slice(0, 4), [5, 6, 7, 8], 'the rarest (no copy at a peer) before 9');
});

test('upload slots: at most N pieces at once, the rest in turn', async () => {
  const slots = new UploadSlots(2);
  let running = 0;
  let most = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: 6 }, async (_, i) => {
      const release = await slots.take();
      running++;
      most = Math.max(most, running);
      order.push(i);
      await sleep(5);
      running--;
      release();
      release(); // twice is harmless
    }),
  );
  assert.is(most, 2);
  assert.equal(order, [0, 1, 2, 3, 4, 5], 'in arrival order');
});

test('the crowd introduces a newcomer to at most 8 others of the same content, and them to it', () => {
  const crowd = new Crowd();
  const told = new Map<string, string[]>();
  const tell = (name: string) => (peers: { name: string }[]) =>
    told.set(name, [...(told.get(name) ?? []), ...peers.map((p) => p.name)]);
  const leave = Array.from({ length: 10 }, (_, i) => crowd.join('a'.repeat(64), ref(`p${i}`), tell(`p${i}`)));
  crowd.join('b'.repeat(64), ref('other'), tell('other'));
  assert.equal(told.get('other'), []);
  assert.equal(told.get('p9')!.slice(0, 8), ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8']);
  assert.ok(told.get('p0')!.includes('p8') && !told.get('p0')!.includes('p9'), 'p9 went to the 8 latest only');
  leave[5]!();
  crowd.join('a'.repeat(64), ref('p10'), tell('p10'));
  assert.not.ok(told.get('p10')!.includes('p5'), 'one that left is not introduced');
});

test.run();
