/**
 * A holder's offer is bounded (docs/SECURITY.md "Limits"): a real downloader declines, with a reason in its events,
 * an offer beyond 64 GiB, and takes at most 8 sources of a 64 GiB file (8 MiB pieces) while 14 offer it and each
 * sends all but the end of the piece it was asked for, then stalls: its memory grows by about 8 pieces, not 14.
 */
import { once } from 'node:events';
import type { MeshMode } from '../../common/mesh-tls.js';
import { memberHandshake } from '../../harness/member-handshake.js';
import type { SigningKey } from '../../common/signing-key.js';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Channel } from '../../common/channel.js';
import type { Tagged } from '../../common/message-table.js';
import { peerMessages, type PeerMessages } from '../../common/wire/peer-messages.js';
import { pieceSizeFor } from '../content/piece-plan.js';
import { MAX_OFFER_FILE_SIZE, MAX_SOURCES_PER_DOWNLOAD } from '../transfer/offer-limits.js';
import { FakePeer, type FakeChannel } from './fake-peer.js';
import { madeUpOffer } from './made-up-offer.js';
import { Mesh, type PeerProcess } from '../../harness/mesh.js';

const test = suite<{ mesh: Mesh; s1: PeerProcess }>('offer bounds');
const MiB = 1024 * 1024;
const HOLDERS = 14;

function rssMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]!;
  return Number(kb) / 1024;
}

/** Dials the requester from its own loopback address, as a holder on another host would (a member: past the
 * mesh-key handshake), and offers. */
async function offer(
  mode: MeshMode,
  port: number,
  localAddress: string,
  body: PeerMessages['offer'],
  key?: SigningKey,
) {
  const raw = connect({ host: '127.0.0.1', port, localAddress });
  raw.on('error', () => undefined);
  await once(raw, 'connect');
  const { stream, key: proved } = await memberHandshake(raw, mode, key);
  const channel: FakeChannel = new Channel(stream, peerMessages, { idleTimeoutMs: 30_000 });
  const answer = await new Promise<Tagged<PeerMessages>>((resolve, reject) => {
    channel.once('message', resolve);
    channel.once('close', () => reject(new Error('requester closed without answering')));
    // A holder names itself by the id it proved (a member may lie about anything else in its offer).
    channel.send('offer', { ...body, from: { ...body.from, id: proved.id } });
  });
  return { channel, answer };
}

test.before(async (ctx) => {
  ctx.mesh = new Mesh();
  await ctx.mesh.startServer();
  ctx.s1 = await ctx.mesh.startPeer('s1');
});

test.after(async (ctx) => {
  await ctx.mesh.close();
});

test('an offer over 64 GiB is declined with a reason; 14 stalling holders of a 64 GiB file cost about 8 pieces of memory', async ({
  mesh,
  s1,
}) => {
  const fake = new FakePeer('mallory', mesh.mode);
  const channels: FakeChannel[] = [];
  try {
    await fake.linkTo(s1.port);
    const from = s1.events.length;
    s1.send('huge.bin');
    const query = await fake.waitFor((m) => m.kind === 'query' && m.body.file === 'huge.bin', 5000);
    if (query.kind !== 'query') throw new Error('not a query');
    const port = query.body.origin.port;

    const over = await offer(
      mesh.mode,
      port,
      '127.0.0.20',
      madeUpOffer(MAX_OFFER_FILE_SIZE + 1, query.body.qid, 'big'),
    );
    channels.push(over.channel);
    assert.is(over.answer.kind, 'decline');
    assert.match(over.answer.kind === 'decline' ? over.answer.body.reason : '', /over the limit of 64 GB/);
    const logged = await s1.waitFor(
      (e) => e.event === 'log' && /declined big's offer of huge\.bin: offered 68719476737 bytes/.test(e.message),
      5000,
      from,
    );
    assert.ok(logged);

    await new Promise((r) => setTimeout(r, 500));
    const before = rssMiB(s1.child.pid!);
    const pieceSize = pieceSizeFor(MAX_OFFER_FILE_SIZE);
    assert.is(pieceSize, 8 * MiB);
    const body = madeUpOffer(MAX_OFFER_FILE_SIZE, query.body.qid, 'h0');
    const almost = Buffer.alloc(pieceSize - 64 * 1024, 0x5a);
    const answers = await Promise.all(
      Array.from({ length: HOLDERS }, async (_, i) => {
        const name = `h${i + 1}`;
        // One member (mallory, a neighbour: an id the mesh knows) behind every holder: ids nobody knows would share
        // only 8 connections (peer/transport/peer-listener.ts), and this is about what 14 sources cost.
        const { channel, answer } = await offer(
          mesh.mode,
          port,
          `127.0.0.${30 + i}`,
          { ...body, from: { ...body.from, name } },
          fake.key,
        );
        channels.push(channel);
        if (answer.kind === 'want') {
          // All but the end of the piece asked for, then nothing: the requester holds it, waiting.
          const head = Buffer.alloc(9);
          head.writeUInt32BE(1 + 4 + pieceSize, 0);
          head.writeUInt8(20, 4);
          head.writeUInt32BE(answer.body.pieces[0]!, 5);
          channel.sendRaw(head);
          channel.sendRaw(almost);
        }
        return answer;
      }),
    );
    const wanted = answers.filter((a) => a.kind === 'want').length;
    const declined = answers.filter(
      (a) => a.kind === 'decline' && /already downloading from 8 sources/.test(a.body.reason),
    ).length;
    assert.is(wanted, MAX_SOURCES_PER_DOWNLOAD, 'eight sources taken');
    assert.is(declined, HOLDERS - MAX_SOURCES_PER_DOWNLOAD, 'the rest declined with the reason');
    await new Promise((r) => setTimeout(r, 2000));
    const grown = rssMiB(s1.child.pid!) - before;
    const bound = (MAX_SOURCES_PER_DOWNLOAD + 4) * (pieceSize / MiB); // the pieces, the offers and the heap around them
    assert.ok(grown < bound, `the requester grew by ${grown.toFixed(0)} MiB (bound ${bound} MiB)`);
    console.log(`  requester RSS grew by ${grown.toFixed(0)} MiB with ${wanted} stalled sources`);
    assert.ok(
      s1.events
        .slice(from)
        .some((e) => e.event === 'log' && /h\d+ dropped: declined: already downloading/.test(e.message)),
    );
  } finally {
    for (const c of channels) c.destroy();
    fake.close();
  }
});

test.run();
