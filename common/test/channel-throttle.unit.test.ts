/**
 * Channel.setThrottle over an in-memory duplex pair (no sockets): reading waits for the read gate with the stream
 * paused (nothing read beyond the chunk that was counted), writing goes out in slices as the write gate grants, in
 * order, and the deadlines do not count time held for a gate.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Channel, WRITE_SLICE_BYTES, type ByteGate } from '../channel.js';
import { allocPieceFrame, peerMessages, type PeerMessages } from '../wire/peer-messages.js';
import type { Tagged } from '../message-table.js';
import { duplexPair } from './duplex-pair.js';
import { burstFor, TokenBucket } from '../token-bucket.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A gate the test opens by hand: it records what was asked and grants nothing until `open()`. */
function handGate() {
  const asked: number[] = [];
  const pending: (() => void)[] = [];
  let shut = true;
  const gate: ByteGate = {
    take(bytes) {
      asked.push(bytes);
      if (!shut) return true;
      return new Promise<void>((resolve) => pending.push(resolve));
    },
  };
  return {
    gate,
    asked,
    grantOne: () => pending.shift()?.(),
    open: () => {
      shut = false;
      for (const p of pending.splice(0)) p();
    },
  };
}

test('a read waits for the read gate: the stream stays paused, and the idle clock does not run meanwhile', async () => {
  const [near, far] = duplexPair();
  const channel = new Channel<PeerMessages>(near, peerMessages, { idleTimeoutMs: 60 });
  const hand = handGate();
  channel.setThrottle({ read: hand.gate });
  const got: Tagged<PeerMessages>[] = [];
  channel.on('message', (m) => got.push(m));
  far.write(peerMessages.encode('ping', { n: 1 }));
  await sleep(20);
  far.write(peerMessages.encode('ping', { n: 2 }));
  far.write(peerMessages.encode('ping', { n: 3 }));
  await sleep(150); // past the idle limit: held for the gate, so not idle
  assert.equal(
    got.map((m) => m.body),
    [{ n: 1 }],
    'the first chunk was read (and counted); nothing after it until the gate grants',
  );
  assert.ok(channel.isOpen, 'time held for the gate is ours, not the far end silence');
  hand.open();
  for (const until = Date.now() + 1000; got.length < 3 && Date.now() < until;) await sleep(5);
  assert.equal(
    got.map((m) => m.body),
    [{ n: 1 }, { n: 2 }, { n: 3 }],
  );
  assert.is(
    hand.asked.reduce((a, b) => a + b, 0),
    channel.bytesIn,
    'every byte read was counted',
  );
  channel.destroy();
});

test('a pause by the user and a hold for the gate combine: reading resumes only when both are over', async () => {
  const [near, far] = duplexPair();
  const channel = new Channel<PeerMessages>(near, peerMessages);
  const hand = handGate();
  channel.setThrottle({ read: hand.gate });
  const got: number[] = [];
  channel.on('message', (m) => m.kind === 'ping' && got.push(m.body.n));
  far.write(peerMessages.encode('ping', { n: 1 }));
  await sleep(20);
  channel.pause();
  hand.open();
  far.write(peerMessages.encode('ping', { n: 2 }));
  await sleep(30);
  assert.equal(got, [1], 'the gate granted, but the user pause holds');
  channel.resume();
  for (const until = Date.now() + 1000; got.length < 2 && Date.now() < until;) await sleep(5);
  assert.equal(got, [1, 2]);
  channel.destroy();
});

test('a write goes out in slices as the write gate grants, in order; send is false and waitDrain waits meanwhile', async () => {
  const [near, far] = duplexPair();
  const sender = new Channel<PeerMessages>(near, peerMessages);
  const receiver = new Channel<PeerMessages>(far, peerMessages, { maxFrameBytes: 1024 * 1024 });
  const hand = handGate();
  sender.setThrottle({ write: hand.gate });
  const got: Tagged<PeerMessages>[] = [];
  receiver.on('message', (m) => got.push(m));
  const piece = allocPieceFrame(3, 3 * WRITE_SLICE_BYTES + 10);
  piece.data.fill(7);
  assert.is(sender.sendRaw(piece.frame), false, 'waiting for the gate: the caller should wait');
  assert.is(sender.send('ping', { n: 9 }), false, 'queued behind the piece, never interleaved');
  let drained = false;
  void sender.waitDrain().then(() => (drained = true));
  await sleep(20);
  assert.equal(hand.asked, [WRITE_SLICE_BYTES]);
  assert.is(receiver.bytesIn, 0);
  hand.grantOne();
  await sleep(20);
  assert.is(receiver.bytesIn, WRITE_SLICE_BYTES, 'one slice granted, one slice sent');
  assert.is(drained, false);
  hand.open();
  for (const until = Date.now() + 1000; got.length < 2 && Date.now() < until;) await sleep(5);
  assert.ok(drained);
  assert.equal(
    got.map((m) => m.kind),
    ['piece', 'ping'],
  );
  const first = got[0]!;
  assert.ok(first.kind === 'piece' && first.body.index === 3 && first.body.data.every((b) => b === 7));
  assert.is(sender.queuedBytes, 0);
  sender.destroy();
});

test('end() after queued writes sends them all first, then closes gracefully', async () => {
  const [near, far] = duplexPair();
  const sender = new Channel<PeerMessages>(near, peerMessages);
  const receiver = new Channel<PeerMessages>(far, peerMessages);
  const hand = handGate();
  sender.setThrottle({ write: hand.gate });
  const got: number[] = [];
  receiver.on('message', (m) => m.kind === 'ping' && got.push(m.body.n));
  sender.send('ping', { n: 1 });
  sender.send('ping', { n: 2 });
  sender.end();
  const closed = new Promise((r) => receiver.once('close', r));
  await sleep(20);
  assert.equal(got, []);
  hand.open();
  assert.is(await closed, undefined, 'a clean close');
  assert.equal(got, [1, 2]);
});

test('a gate without a limit for now lets a frame go out whole and at once, as without a gate', async () => {
  const [near, far] = duplexPair();
  const sender = new Channel<PeerMessages>(near, peerMessages);
  const receiver = new Channel<PeerMessages>(far, peerMessages, { maxFrameBytes: 1024 * 1024 });
  const asked: number[] = [];
  sender.setThrottle({ write: { limit: null, take: (bytes) => (asked.push(bytes), true) } });
  const got = new Promise<Tagged<PeerMessages>>((resolve) => receiver.once('message', resolve));
  const piece = allocPieceFrame(0, 3 * WRITE_SLICE_BYTES);
  sender.sendRaw(piece.frame); // false here only for the stream's own buffer (16 KiB), as without a gate
  assert.is(sender.queuedBytes, 0, 'handed to the stream at once, whole');
  assert.is((await got).kind, 'piece');
  assert.equal(asked, [], 'no gate asked: nothing to count while unlimited');
  sender.destroy();
});

test('a real token bucket whose burst is below a slice still lets whole slices through, into debt, at its rate', async () => {
  const [near, far] = duplexPair();
  const sender = new Channel<PeerMessages>(near, peerMessages);
  const receiver = new Channel<PeerMessages>(far, peerMessages, { maxFrameBytes: 1024 * 1024 });
  const rate = 200_000; // burst 40 kB, below a 64 KiB slice
  assert.ok(burstFor(rate) < WRITE_SLICE_BYTES);
  sender.setThrottle({ write: new TokenBucket({ rate }) });
  const got = new Promise<Tagged<PeerMessages>>((resolve) => receiver.once('message', resolve));
  const piece = allocPieceFrame(1, 3 * WRITE_SLICE_BYTES);
  piece.data.fill(5);
  const started = performance.now();
  sender.sendRaw(piece.frame);
  const first = await got;
  const seconds = (performance.now() - started) / 1000;
  assert.ok(first.kind === 'piece' && first.body.data.length === 3 * WRITE_SLICE_BYTES);
  assert.ok(first.kind === 'piece' && first.body.data.every((b) => b === 5));
  // The first slice passes on the 40 kB saved, into debt; the rest waits for the rate: about (3 x 64 KiB - 40 kB)
  // / 200 kB/s = 0.78 s.
  assert.ok(seconds > 0.6 && seconds < 3, `${seconds.toFixed(2)} s for 3 slices at 200 kB/s`);
  sender.destroy();
});

test.run();
