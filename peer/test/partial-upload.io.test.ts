/**
 * Serving a download still running (peer/transfer/upload.ts with partial-serving.ts; docs/PROTOCOL.md "Swarming"),
 * over an in-memory pair and a real file: the offer carries the verified pieces, announced pieces are sent and match
 * their hashes, a piece verified later is announced with `have` once the requester listens, and a `want` of a piece
 * never announced is declined and ends the upload without a byte of it.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Channel } from '../../common/channel.js';
import { duplexPair } from '../../common/test/duplex-pair.js';
import { peerMessages, type PeerMessages } from '../../common/wire/peer-messages.js';
import type { Tagged } from '../../common/message-table.js';
import { Bitfield } from '../content/bitfield.js';
import { decodeHave } from '../transfer/availability.js';
import { Upload } from '../transfer/upload.js';
import { servedPartial } from './served-partial.js';

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a partial upload sends only announced pieces, announces new ones, and declines a want of any other', async () => {
  const root = mkdtempSync(join(tmpdir(), 'partial-upload-'));
  try {
    const verified = new Set<(i: number) => void>();
    const { pieces, manifest, have, partial, held } = servedPartial(root, 4 * MiB, [2], {
      onVerified: (l) => (verified.add(l), () => verified.delete(l)),
    });
    const self = { name: 'p1', id: 'p1-id-12345678', host: '127.0.0.1', port: 7000 };
    const upload = new Upload('transfer-1', held, manifest, 'p2', self, { partial, readAhead: 1 });
    const [near, far] = duplexPair();
    const requester = new Channel(far, peerMessages);
    requester.setMaxFrameBytes(2 * MiB);
    const heard: Tagged<PeerMessages>[] = [];
    requester.on('message', (m) => heard.push(m));
    let failed = '';
    upload.on('failed', (reason) => (failed = reason));
    const served = upload.serve(new Channel(near, peerMessages));
    const until = async (pred: () => boolean) => {
      for (const end = Date.now() + 3000; !pred() && Date.now() < end;) await sleep(5);
      assert.ok(pred(), 'in time');
    };
    await until(() => heard.length > 0);
    const offer = heard[0]!;
    assert.is(offer.kind, 'offer');
    const bits = decodeHave((offer.body as PeerMessages['offer']).have!, 4) as Bitfield;
    assert.ok(bits.has(2) && bits.count === 1, 'the offer says piece 2 only');
    requester.send('want', { qid: 'transfer-1', pieces: [] }); // listening
    have.set(0);
    for (const l of verified) l(0);
    await until(() => heard.some((m) => m.kind === 'have'));
    assert.equal(heard.find((m) => m.kind === 'have')!.body, { qid: 'transfer-1', pieces: [0] });
    requester.send('want', { qid: 'transfer-1', pieces: [2, 0] });
    await until(() => heard.filter((m) => m.kind === 'piece').length === 2);
    for (const m of heard.filter((m) => m.kind === 'piece')) {
      const { index, data: bytes } = m.body as PeerMessages['piece'];
      const want = pieces.subarray(index * 32, index * 32 + 32);
      assert.ok(createHash('sha256').update(bytes).digest().equals(want), `piece ${index} matches its hash`);
    }
    requester.send('want', { qid: 'transfer-1', pieces: [1] }); // never announced
    await served;
    const decline = heard.find((m) => m.kind === 'decline');
    assert.ok(decline, 'declined');
    assert.match((decline!.body as PeerMessages['decline']).reason, /piece 1, which this peer has not announced/);
    assert.match(failed, /piece 1, which this peer has not announced/);
    assert.not.ok(
      heard.some((m) => m.kind === 'piece' && (m.body as PeerMessages['piece']).index === 1),
      'no byte of piece 1',
    );
    assert.is(verified.size, 0, 'it stopped listening for verified pieces');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a partial file renamed into place just as the offer goes out is still served', async () => {
  const root = mkdtempSync(join(tmpdir(), 'partial-upload-'));
  try {
    const { path, pieces, manifest, partial, held } = servedPartial(root, 2 * MiB, undefined, {
      // Asked for as the offer is built: the download finishes and moves its file right then.
      onEnded: () => (renameSync(path, join(root, 'x.bin')), () => undefined),
    });
    const self = { name: 'p1', id: 'p1-id-12345678', host: '127.0.0.1', port: 7000 };
    const upload = new Upload('transfer-1', held, manifest, 'p2', self, { partial, readAhead: 1 });
    const [near, far] = duplexPair();
    const requester = new Channel(far, peerMessages);
    requester.setMaxFrameBytes(2 * MiB);
    const heard: Tagged<PeerMessages>[] = [];
    requester.on('message', (m) => heard.push(m));
    let failed = '';
    upload.on('failed', (reason) => (failed = reason));
    void upload.serve(new Channel(near, peerMessages));
    for (const end = Date.now() + 3000; heard.length === 0 && Date.now() < end;) await sleep(5);
    requester.send('want', { qid: 'transfer-1', pieces: [1] });
    for (const end = Date.now() + 3000; !heard.some((m) => m.kind === 'piece') && !failed && Date.now() < end;)
      await sleep(5);
    assert.is(failed, '', 'the upload went on');
    const piece = heard.find((m) => m.kind === 'piece')?.body as PeerMessages['piece'] | undefined;
    assert.ok(piece, 'piece 1 was sent');
    assert.ok(createHash('sha256').update(piece!.data).digest().equals(pieces.subarray(32, 64)), 'it matches');
    upload.abort('done');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
