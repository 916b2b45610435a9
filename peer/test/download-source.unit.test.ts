/** One source of a download over an in-memory pair: what it asks, what it accepts, and its keepalive. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Channel } from '../../common/channel.js';
import { allocPieceFrame, peerMessages, type PeerMessages } from '../../common/wire/peer-messages.js';
import type { Tagged } from '../../common/message-table.js';
import { duplexPair } from '../../common/test/duplex-pair.js';
import { DownloadSource } from '../transfer/download-source.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MiB = 1024 * 1024;

function rig(keepaliveMs = 60_000, partial = false) {
  const [near, far] = duplexPair();
  const source = new DownloadSource(
    'h1',
    new Channel(near, peerMessages),
    'transfer-1',
    2 * MiB + 5,
    MiB,
    10_000,
    keepaliveMs,
    partial,
  );
  const holder = new Channel(far, peerMessages);
  const heard: Tagged<PeerMessages>[] = [];
  holder.on('message', (m) => heard.push(m));
  return { source, holder, heard };
}

test('says it is still there with empty wants while it waits, and stops once finished', async () => {
  const { source, holder, heard } = rig(20);
  const keepalives = () => heard.filter((m) => m.kind === 'want' && m.body.pieces.length === 0).length;
  // One every 20 ms: three arrive within a few periods (waited for, not slept for: timers run late on a busy machine).
  for (const until = Date.now() + 2000; keepalives() < 3 && Date.now() < until;) await sleep(10);
  assert.ok(keepalives() >= 3, `${keepalives()} keepalives in 2 s at one per 20 ms`);
  source.finish({ qid: 'transfer-1', ok: true, reason: 'verified' });
  await sleep(30); // one already on its way may still land
  const ended = heard.filter((m) => m.kind === 'want').length;
  await sleep(100); // five periods: none may follow
  assert.is(heard.filter((m) => m.kind === 'want').length, ended, 'no keepalive after the end');
  holder.destroy();
});

test('accepts a piece it asked for at its exact length, and drops a source that sends one it did not ask for', async () => {
  const { source, holder } = rig();
  const got: number[] = [];
  const gone: string[] = [];
  source.on('piece', (index) => got.push(index));
  source.on('gone', (reason) => gone.push(reason));
  source.want([2]);
  const last = allocPieceFrame(2, 5);
  holder.sendRaw(last.frame);
  await sleep(10);
  assert.equal(got, [2]);
  holder.sendRaw(allocPieceFrame(0, MiB).frame);
  await sleep(10);
  assert.equal(gone.length, 1);
  assert.match(gone[0]!, /not asked of it/);
});

test('a piece asked for again after a cancel is taken when it comes (the cancel no longer swallows it)', async () => {
  const { source, holder } = rig();
  const got: number[] = [];
  source.on('piece', (index) => got.push(index));
  source.want([2]);
  source.cancel([2]); // another source delivered it... which then turned out bad
  source.want([2]);
  holder.sendRaw(allocPieceFrame(2, 5).frame);
  await sleep(10);
  assert.equal(got, [2]);
  holder.destroy();
});

test('a full holder that sends a have (even empty, which would keep it alive) is dropped; a partial one is not', async () => {
  for (const partial of [false, true]) {
    const { source, holder } = rig(60_000, partial);
    const gone: string[] = [];
    const haves: number[][] = [];
    source.on('gone', (reason) => gone.push(reason));
    source.on('have', (pieces) => haves.push(pieces));
    holder.send('have', { qid: 'transfer-1', pieces: [] });
    holder.send('have', { qid: 'transfer-1', pieces: [1] });
    await sleep(20);
    if (partial) {
      assert.equal(gone, []);
      assert.equal(haves, [[1]]);
      source.finish({ qid: 'transfer-1', ok: true, reason: 'verified' });
    } else {
      assert.equal(gone.length, 1);
      assert.match(gone[0]!, /sent a have, though it offered the whole file/);
    }
    holder.destroy();
  }
});

test.run();
