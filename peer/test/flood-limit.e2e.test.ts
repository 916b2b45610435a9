/**
 * The per-neighbour flood limit at a real peer (docs/SECURITY.md "Limits"): a raw neighbour sends 5,000 queries at
 * once; the peer forwards at most a burst plus a second's worth to its other neighbour, then cuts the flooder with
 * the reason in `neighbour-down`, and keeps the other link.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FLOOD_BURST, FLOOD_RATE_PER_S } from '../mesh/flood-rate.js';
import { FakePeer } from './fake-peer.js';
import { Mesh, type PeerProcess } from '../../harness/mesh.js';

const test = suite<{ mesh: Mesh; s1: PeerProcess }>('flood limit');

test.before(async (ctx) => {
  ctx.mesh = new Mesh();
  await ctx.mesh.startServer();
  ctx.s1 = await ctx.mesh.startPeer('s1');
});

test.after(async (ctx) => {
  await ctx.mesh.close();
});

test('5,000 queries from one neighbour: at most burst + rate are forwarded, then the link is cut with a reason', async ({
  mesh,
  s1,
}) => {
  const flooder = new FakePeer('mallory', mesh.mode);
  const witness = new FakePeer('witness', mesh.mode);
  try {
    await witness.linkTo(s1.port);
    const link = await flooder.linkTo(s1.port);
    await s1.waitFor((e) => e.event === 'neighbour-up' && e.name === 'mallory', 5000);
    const from = s1.events.length;
    const started = Date.now();
    for (let i = 0; i < 5000; i++) {
      const qid = `flood-${String(i).padStart(6, '0')}`;
      link.send('query', { qid, file: 'nobody-holds-this.bin', hops: 5, origin: flooder.ref() });
    }
    const down = await s1.waitFor((e) => e.event === 'neighbour-down' && e.name === 'mallory', 10_000, from);
    assert.match(
      down.event === 'neighbour-down' ? down.reason : '',
      /flooded more than 50 requests at once and 20 a second: link cut/,
    );
    await new Promise((r) => setTimeout(r, 500));
    const forwarded = witness.received.filter((m) => m.kind === 'query' && m.body.qid.startsWith('flood-')).length;
    const seconds = (Date.now() - started) / 1000;
    const most = FLOOD_BURST + Math.ceil(FLOOD_RATE_PER_S * Math.max(1, seconds));
    assert.ok(forwarded >= FLOOD_BURST, `${forwarded} forwarded: the burst passes`);
    assert.ok(forwarded <= most, `${forwarded} forwarded in ${seconds.toFixed(1)} s, at most ${most}`);
    console.log(`  ${forwarded} of 5000 queries forwarded; the flooder was cut`);
    assert.equal(s1.neighbours(), ['witness'], 'the other link stays');
  } finally {
    flooder.close();
    witness.close();
  }
});

test.run();
