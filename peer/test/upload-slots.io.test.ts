/**
 * Upload slots against requesters that do not read (peer/transfer/upload.ts, partial-serving.ts `UploadSlots`;
 * docs/PROTOCOL.md "Swarming"), over real TCP on loopback: four requesters that pause their sockets, want many
 * pieces and keep their connections alive with empty `want`s must not hold the four slots from an honest requester,
 * and their uploads are cut at the write deadline. A requester that queues more pieces than the file has is declined.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Channel } from '../../common/channel.js';
import { MAX_WANT, peerMessages } from '../../common/wire/peer-messages.js';
import { UploadSlots } from '../transfer/partial-serving.js';
import { Upload, pieceWriteDeadlineMs } from '../transfer/upload.js';
import { servedPartial } from './served-partial.js';

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const self = { name: 'p1', id: 'p1-id-12345678', host: '127.0.0.1', port: 7000 };

/** Two ends of one real loopback TCP connection. */
async function tcpPair(): Promise<[Socket, Socket]> {
  return new Promise((resolve, reject) => {
    const server = createServer((near) => {
      server.close();
      resolve([near, far]);
    });
    let far: Socket;
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      far = connect((server.address() as { port: number }).port, '127.0.0.1');
    });
  });
}

test('requesters that never read do not hold the upload slots: an honest one is served, theirs are cut', async () => {
  const root = mkdtempSync(join(tmpdir(), 'upload-slots-'));
  const sockets: Socket[] = [];
  const timers: NodeJS.Timeout[] = [];
  try {
    const { manifest, count, pieceSize, partial, held } = servedPartial(root, 8 * MiB);
    const slots = new UploadSlots(4);
    const options = { partial, slots, timeoutMs: 3000, writeDeadlineMs: 4000 };
    const cut: string[] = [];
    for (let h = 0; h < 4; h++) {
      const [near, far] = await tcpPair();
      sockets.push(near, far);
      const qid = `hostile-qid-${h}`;
      const upload = new Upload(qid, held, manifest, `hostile${h}`, self, options);
      upload.on('failed', (reason) => cut.push(reason));
      far.on('error', () => undefined);
      void upload.serve(new Channel(near, peerMessages));
      // Never reads; writes raw frames, so its own side never waits on reading.
      far.pause();
      const want = (pieces: number[]) => far.write(peerMessages.encode('want', { qid, pieces }));
      want([]);
      want(Array.from({ length: 64 }, (_, i) => i % count));
      timers.push(setInterval(() => want([]), 1000));
    }
    await sleep(1500);
    const [near, far] = await tcpPair();
    sockets.push(near, far);
    const honest = new Upload('honest-qid-1', held, manifest, 'honest', self, options);
    void honest.serve(new Channel(near, peerMessages));
    const requester = new Channel(far, peerMessages);
    requester.setMaxFrameBytes(pieceSize + 1024);
    let got = 0;
    requester.on('message', (m) => {
      if (m.kind === 'piece') got++;
    });
    requester.send('want', { qid: 'honest-qid-1', pieces: [] });
    requester.send('want', { qid: 'honest-qid-1', pieces: [0, 1, 2] });
    timers.push(setInterval(() => requester.send('want', { qid: 'honest-qid-1', pieces: [] }), 1000));
    await sleep(6000);
    assert.is(got, 3, 'the honest requester gets every piece it asked for');
    assert.is(cut.length, 4, `every upload to a requester that does not read is cut (${cut.join('; ')})`);
    for (const reason of cut) assert.match(reason, /did not take a piece within 4000 ms/);
  } finally {
    for (const t of timers) clearInterval(t);
    for (const s of sockets) s.destroy();
    rmSync(root, { recursive: true, force: true });
  }
});

test('a requester that queues more pieces than the file has is declined', async () => {
  const root = mkdtempSync(join(tmpdir(), 'upload-queue-'));
  const sockets: Socket[] = [];
  try {
    const { manifest, partial, held } = servedPartial(root, 2 * MiB);
    const [near, far] = await tcpPair();
    sockets.push(near, far);
    const upload = new Upload('greedy-qid-1', held, manifest, 'greedy', self, { partial, slots: new UploadSlots(4) });
    let failed = '';
    upload.on('failed', (reason) => (failed = reason));
    const served = upload.serve(new Channel(near, peerMessages));
    const requester = new Channel(far, peerMessages);
    requester.setMaxFrameBytes(manifest.pieceSize + 1024);
    let declined = '';
    requester.on('message', (m) => {
      if (m.kind === 'decline') declined = m.body.reason;
    });
    const wants = Array.from({ length: MAX_WANT }, () => 0);
    requester.send('want', { qid: 'greedy-qid-1', pieces: wants });
    requester.send('want', { qid: 'greedy-qid-1', pieces: wants });
    await served;
    await sleep(100);
    assert.match(declined, /more pieces than the file has/, `declined: ${declined}; failed: ${failed}`);
    assert.is(failed, declined);
  } finally {
    for (const s of sockets) s.destroy();
    rmSync(root, { recursive: true, force: true });
  }
});

test('the write deadline leaves room for the slowest cap shared by a download', () => {
  assert.is(pieceWriteDeadlineMs(MiB), 120_000);
  assert.ok(pieceWriteDeadlineMs(8 * MiB) > (8 * MiB * 1000) / 12_500 - 1);
});

test.run();
