/**
 * The hop limit of searches comes from the mesh (docs/PROTOCOL.md "Peer ↔ peer"): nine real peers in a line
 * (`--topology line`), 8 hops end to end, one more than the old fixed limit of 7. The metadata server tells s1 its
 * reach (8); s1's searches start with 9 hops, so a flood from s1 reaches s9, and once the server is gone (the index
 * cannot answer, so the download floods) s1 still finds and fetches the file only s9 holds, verified by SHA-256.
 */
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Mesh, sha256, sha256File, type PeerProcess } from '../../harness/mesh.js';
import type { PeerEvent } from '../control/peer-events.js';

const PEERS = 9;
const test = suite<{ mesh: Mesh; first: PeerProcess; last: PeerProcess }>('hop limit from the mesh');
const data = Buffer.from('only the far end of the line holds this\n'.repeat(1000));

test.before(async (ctx) => {
  ctx.mesh = new Mesh();
  await ctx.mesh.startServer(['--topology', 'line']);
  ctx.mesh.seed(`s${PEERS}`, { 'far.txt': data });
  for (let i = 1; i <= PEERS; i++) await ctx.mesh.startPeer(`s${i}`);
  ctx.first = ctx.mesh.peer('s1');
  ctx.last = ctx.mesh.peer(`s${PEERS}`);
  await ctx.last.waitHashed();
});

test.after(async (ctx) => {
  await ctx.mesh.close();
});

const sent = (e: PeerEvent, file: string) => e.event === 'query-sent' && e.file === file;

test('a search from one end starts with the line length + 1 hops and reaches the other end', async ({
  first,
  last,
}) => {
  // The server says the reach with every heartbeat-ack (each second): ask until s1's search starts with it.
  let hops = 0;
  for (let round = 0; round < 10 && hops !== PEERS; round++) {
    const query = await first.ask(`ghost-${round}.bin`, (e) => sent(e, `ghost-${round}.bin`), 5000);
    hops = query.event === 'query-sent' ? query.hops : 0;
    if (hops !== PEERS) await new Promise((r) => setTimeout(r, 500));
  }
  assert.is(hops, PEERS, `${PEERS - 1} hops to the far end, plus a margin of 1`);
  const query = first.events.findLast((e) => e.event === 'query-sent');
  const qid = query?.event === 'query-sent' ? query.query : '';
  const seen = await last.waitFor((e) => e.event === 'query-seen' && e.query === qid, 5000);
  assert.ok(seen.event === 'query-seen' && seen.hops === 2, JSON.stringify(seen));
});

test('with the metadata server gone the download floods, and the far end answers', async ({ mesh, first }) => {
  const from = first.events.length;
  mesh.server!.kill('SIGKILL');
  await first.waitFor((e) => e.event === 'server' && e.state !== 'connected', 5000, from); // the index cannot answer
  const ends = ['download-complete', 'not-found', 'download-failed'];
  const done = await first.ask('far.txt', (e) => ends.includes(e.event) && 'file' in e && e.file === 'far.txt', 20_000);
  assert.is(done.event, 'download-complete', JSON.stringify(done));
  if (done.event !== 'download-complete') return;
  assert.is(done.from, `s${PEERS}`);
  const flood = first.events.findLast((e) => sent(e, 'far.txt'));
  assert.ok(flood?.event === 'query-sent' && flood.hops === PEERS, 'found by flooding, with the known hop limit');
  assert.is(sha256File(join(first.dir, done.path)), sha256(data));
});

test.run();
