/**
 * The frame Channel over an in-memory duplex pair (no sockets): framing across chunk boundaries, limits, truncated
 * frames, the receive-idle clock (liveness), and one `error` per connection.
 */
import type { Duplex } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Channel } from '../channel.js';
import { P2pError } from '../errors.js';
import { peerMessages, type PeerMessages } from '../wire/peer-messages.js';
import type { Tagged } from '../message-table.js';
import { duplexPair } from './duplex-pair.js';

type Peer = Channel<PeerMessages>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A channel on one end of a pair; the other end is raw, so the test writes exactly the bytes it wants. */
function rig(options: ConstructorParameters<typeof Channel>[2] = {}) {
  const [near, far] = duplexPair();
  const channel: Peer = new Channel(near, peerMessages, options);
  const messages: Tagged<PeerMessages>[] = [];
  const errors: Error[] = [];
  channel.on('message', (m) => messages.push(m));
  channel.on('error', (e) => errors.push(e));
  const closed = new Promise<Error | undefined>((resolve) => channel.on('close', resolve));
  return { channel, far, messages, errors, closed };
}

/** Resolves with the close reason, or fails the test after `ms`. */
async function closeWithin(closed: Promise<Error | undefined>, ms: number): Promise<Error | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`channel still open after ${ms} ms`)), ms)),
  );
  try {
    return await Promise.race([closed, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const codeOfErr = (err: Error | undefined) => (err instanceof P2pError ? err.code : String(err));

function writeSlowly(far: Duplex, bytes: Buffer, step: number): void {
  for (let i = 0; i < bytes.length; i += step) far.write(bytes.subarray(i, i + step));
}

test('decodes messages whose bytes arrive split across many chunks', async () => {
  const { channel, far, messages } = rig();
  const bytes = Buffer.concat([peerMessages.encode('ping', { n: 7 }), peerMessages.encode('bye', { reason: 'done' })]);
  writeSlowly(far, bytes, 1);
  // Waited for, not slept for: a busy machine delivers the byte-by-byte writes late.
  for (const until = Date.now() + 2000; messages.length < 2 && Date.now() < until;) await sleep(5);
  assert.equal(messages, [
    { kind: 'ping', body: { n: 7 } },
    { kind: 'bye', body: { reason: 'done' } },
  ]);
  assert.is(channel.bytesIn, bytes.length);
  channel.destroy();
});

test('decodes several messages merged into one chunk, in order', async () => {
  const { channel, far, messages } = rig();
  far.write(Buffer.concat([1, 2, 3].map((n) => peerMessages.encode('pong', { n }))));
  await sleep(10);
  assert.equal(
    messages.map((m) => m.body),
    [{ n: 1 }, { n: 2 }, { n: 3 }],
  );
  channel.destroy();
});

test('delivers what it sends to the far end and counts the bytes', async () => {
  const [a, b] = duplexPair();
  const left: Peer = new Channel(a, peerMessages);
  const right: Peer = new Channel(b, peerMessages);
  const got = new Promise<Tagged<PeerMessages>>((resolve) => right.once('message', resolve));
  left.send('ping', { n: 42 });
  assert.equal(await got, { kind: 'ping', body: { n: 42 } });
  assert.is(left.bytesOut, right.bytesIn);
  left.end();
  const both = await Promise.all([
    new Promise((r) => left.once('close', r)),
    new Promise((r) => right.once('close', r)),
  ]);
  assert.equal(both, [undefined, undefined], 'a graceful end closes both sides without error');
});

test('an oversized frame closes only that channel, with its error', async () => {
  const bad = rig({ maxFrameBytes: 1024 });
  const good = rig({ maxFrameBytes: 1024 });
  const header = Buffer.alloc(5);
  header.writeUInt32BE(1_000_000, 0);
  bad.far.write(header);
  good.far.write(peerMessages.encode('ping', { n: 1 }));
  const reason = await closeWithin(bad.closed, 1000);
  assert.is(codeOfErr(reason), 'P2P_ERR_FRAME_TOO_LARGE');
  assert.is(bad.errors.length, 1);
  await sleep(10);
  assert.ok(good.channel.isOpen, 'the other channel is untouched');
  assert.is(good.messages.length, 1);
  good.channel.destroy();
});

test('a frame cut off by the close is an error, not a clean close', async () => {
  const { far, errors, closed } = rig();
  far.write(peerMessages.encode('ping', { n: 5 }).subarray(0, 7));
  far.end();
  const reason = await closeWithin(closed, 1000);
  assert.is(codeOfErr(reason), 'P2P_ERR_BAD_FRAME');
  assert.match(reason!.message, /middle of a frame/);
  assert.is(errors.length, 1);
});

test('the idle clock runs on what is received: it fires on a silent far end even while we keep writing', async () => {
  const { channel, errors, closed } = rig({ idleTimeoutMs: 80 });
  const started = Date.now();
  const writer = setInterval(() => channel.send('ping', { n: 1 }), 10); // our own traffic must not keep it alive
  try {
    const reason = await closeWithin(closed, 1000);
    assert.is(codeOfErr(reason), 'P2P_ERR_TIMEOUT');
    assert.ok(Date.now() - started >= 70, `closed after ${Date.now() - started} ms`);
    assert.is(errors.length, 1);
  } finally {
    clearInterval(writer);
  }
});

test('incoming traffic keeps the channel alive past its idle limit', async () => {
  const { channel, far } = rig({ idleTimeoutMs: 60 });
  const talker = setInterval(() => far.write(peerMessages.encode('ping', { n: 2 })), 15);
  await sleep(200);
  clearInterval(talker);
  assert.ok(channel.isOpen);
  channel.destroy();
});

test('a paused channel does not time out: the silence is its own', async () => {
  const { channel } = rig({ idleTimeoutMs: 50 });
  channel.pause();
  await sleep(150);
  assert.ok(channel.isOpen);
  channel.resume();
  channel.destroy();
});

test('resume() without a pause does not restart the idle clock (a silent source among busy ones still times out)', async () => {
  const { channel, closed } = rig({ idleTimeoutMs: 80 });
  const resumer = setInterval(() => channel.resume(), 10); // the swarm resumes every source after each checked piece
  try {
    const reason = await closeWithin(closed, 1000);
    assert.is(codeOfErr(reason), 'P2P_ERR_TIMEOUT');
  } finally {
    clearInterval(resumer);
  }
});

test('emits error once, however many failures follow', async () => {
  const { channel, far, errors, closed } = rig();
  far.write(Buffer.from([0, 0, 0, 2, 99, 99])); // unknown type
  channel.destroy(new P2pError('P2P_ERR_TRANSFER', 'first'));
  channel.destroy(new P2pError('P2P_ERR_TRANSFER', 'second'));
  const reason = await closeWithin(closed, 1000);
  assert.is(reason?.message, 'first');
  await sleep(10);
  assert.is(errors.length, 1);
});

test('an unknown message type closes the channel with P2P_ERR_UNKNOWN_TYPE', async () => {
  const { far, closed } = rig();
  far.write(Buffer.from([0, 0, 0, 2, 99, 99]));
  assert.is(codeOfErr(await closeWithin(closed, 1000)), 'P2P_ERR_UNKNOWN_TYPE');
});

test('a frame trickled byte by byte is cut at the frame deadline although bytes keep arriving', async () => {
  const { far, closed } = rig({ frameDeadlineMs: 100, idleTimeoutMs: 1000 });
  const frame = peerMessages.encode('bye', { reason: 'x'.repeat(100) });
  let i = 0;
  const trickle = setInterval(() => i < frame.length - 1 && far.write(frame.subarray(i, ++i)), 5);
  const started = Date.now();
  try {
    const reason = await closeWithin(closed, 1000);
    assert.is(codeOfErr(reason), 'P2P_ERR_TIMEOUT');
    assert.match(reason!.message, /did not arrive whole within 100 ms/);
    assert.ok(Date.now() - started < 400, 'cut near the deadline');
  } finally {
    clearInterval(trickle);
  }
});

test('frames streaming back to back, each whole in time, never trip the frame deadline', async () => {
  const { channel, far, messages } = rig({ frameDeadlineMs: 200 });
  const frame = peerMessages.encode('ping', { n: 3 });
  // Every chunk ends inside the next frame, so a frame is always pending; each one still completes quickly.
  const stream = Buffer.concat(Array.from({ length: 40 }, () => frame));
  const half = Math.floor(frame.length / 2);
  for (let at = 0; at < stream.length; at += frame.length) {
    far.write(stream.subarray(at === 0 ? 0 : at - half, at + frame.length - half));
    await sleep(10);
  }
  far.write(stream.subarray(stream.length - half));
  await sleep(20);
  assert.ok(channel.isOpen, 'still open after 400 ms of back-to-back frames');
  assert.is(messages.length, 40);
  channel.destroy();
});

test.run();
