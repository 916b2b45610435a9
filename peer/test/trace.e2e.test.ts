/**
 * `trace FILE` with real processes (docs/PROTOCOL.md "Query trace"): on a diamond (s1–s2, s1–s3, s2–s4, s3–s4) the
 * flood reaches every peer, each first copy's hop count follows the path it came along, s4 answers, and the copies
 * that arrive twice come back as duplicates; the steps match the graph TOPO reports, copy for copy. On a line
 * (`--topology line`) with a hop limit of 2 the query expires two links out and nobody beyond reports.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { PeerEvent, TraceStep } from '../control/peer-events.js';
import { Mesh, sha256, type PeerProcess } from '../../harness/mesh.js';
import { signStep } from '../mesh/trace-step.js';
import { FakePeer } from './fake-peer.js';

type Trace = Extract<PeerEvent, { event: 'trace' }>;
const test = suite('trace');

/** Waits until every peer has the neighbours `want` names. */
async function settle(peers: PeerProcess[], want: Record<string, string[]>): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const off = peers.filter((p) => JSON.stringify(p.neighbours()) !== JSON.stringify(want[p.name] ?? []));
    if (off.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(`links did not settle: ${off.map((p) => `${p.name}: ${p.neighbours().join(',')}`).join('; ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The neighbour sets TOPO reports, by name. */
async function graphOf(peer: PeerProcess): Promise<Map<string, string[]>> {
  const topo = await peer.ask('TOPO', 'topology', 10_000);
  assert.ok(topo.event === 'topology');
  return new Map(topo.peers.map((p) => [p.name, [...p.neighbours].sort()]));
}

/**
 * Checks a trace that reached every peer against the graph: every step is a copy along a real link, every peer but
 * the origin got exactly one first copy, a first copy's hops are one more than its sender's, and there are as many
 * copies as flooding sends (the origin's degree, plus, for each peer that passed it on, its degree less the link it
 * heard it from).
 */
function checkAgainstGraph(trace: Trace, graph: Map<string, string[]>, origin: string): void {
  const first = new Map<string, TraceStep>();
  for (const s of trace.steps) {
    assert.ok(graph.get(s.peer)?.includes(s.from), `${s.peer} got a copy from ${s.from}: not a link of the graph`);
    assert.ok(s.ms >= 0 && s.ms <= 2000, `${s.peer}'s ms ${s.ms}`);
    if (s.action === 'duplicate') continue;
    assert.not.ok(first.has(s.peer), `${s.peer} reported two first copies`);
    first.set(s.peer, s);
  }
  assert.equal([...first.keys()].sort(), [...graph.keys()].filter((n) => n !== origin).sort(), 'every peer reached');
  for (const s of first.values()) {
    const expected = s.from === origin ? 1 : first.get(s.from)!.hops + 1;
    assert.is(s.hops, expected, `${s.peer} (from ${s.from}) at ${s.hops} hops`);
  }
  for (const s of trace.steps.filter((x) => x.action === 'duplicate')) {
    assert.ok(s.from === origin || first.has(s.from), `${s.peer}'s duplicate came from ${s.from}, which forwarded`);
  }
  const senders = [...first.values()].filter((s) => s.action !== 'expired').map((s) => s.peer);
  const sends = graph.get(origin)!.length + senders.reduce((sum, name) => sum + graph.get(name)!.length - 1, 0);
  assert.is(trace.steps.length, sends, `copies: ${JSON.stringify(trace.steps)}`);
  assert.is(trace.reached, first.size);
  assert.is(trace.duplicates, sends - first.size);
}

test('a diamond: forwarded, answered by the holder, the second copies dropped as duplicates', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    mesh.seed('s4', { 'diamond.bin': Buffer.alloc(100_000, 7) });
    // A fixed hop limit: with one just above the diameter, a copy that went round the long way could expire.
    const s1 = await mesh.startPeer('s1', ['--hops', '7']);
    const s2 = await mesh.startPeer('s2');
    const s3 = await mesh.startPeer('s3');
    const s4 = await mesh.startPeer('s4');
    await s4.waitHashed();
    const peers = [s1, s2, s3, s4];
    await settle(peers, { s1: ['s2', 's3'], s2: ['s1', 's4'], s3: ['s1', 's4'], s4: ['s2', 's3'] });
    const graph = await graphOf(s1);
    await new Promise((r) => setTimeout(r, 1200)); // every link has pinged once: its round trip is known
    const trace = (await s1.ask('TRACE diamond.bin', 'trace', 10_000)) as Trace;
    console.log(
      `  diamond: ${trace.steps.map((s) => `${s.peer}←${s.from} ${s.action} h${s.hops} ${s.ms}ms`).join(', ')}`,
    );
    assert.is(trace.file, 'diamond.bin');
    assert.ok(trace.cmd !== undefined, 'the answer names its command line');
    checkAgainstGraph(trace, graph, 's1');
    assert.equal(trace.answeredBy, ['s4']);
    assert.is(trace.duplicates, 2, 'a diamond drops two copies: one at s4 or its sender, one back');
    assert.is(trace.steps.find((s) => s.peer === 's4' && s.action !== 'duplicate')?.action, 'answered');
    assert.is(trace.rejected, 0);
    // The search is real: the holder's offer arrived (and was declined).
    assert.equal(
      trace.offers.map((o) => [o.peer, o.bytes, o.sha256]),
      [['s4', 100_000, sha256(Buffer.alloc(100_000, 7))]],
    );
    const s4First = trace.steps.find((s) => s.peer === 's4' && s.action !== 'duplicate')!;
    assert.ok(s4First.ms > 0, `two links of measured round trips take time: ${s4First.ms} ms`);
    // A trace does not download: the holder's offer is declined.
    await new Promise((r) => setTimeout(r, 500));
    assert.not.ok(
      s1.events.some((e) => e.event === 'download-started'),
      'no download started',
    );
    assert.equal(readdirSync(join(mesh.dirOf('s1'), 'Downloads')), []);
    // Every peer that saw it reports the same query id in its own `query-seen` events.
    for (const p of [s2, s3, s4]) {
      assert.ok(
        p.events.some((e) => e.event === 'query-seen' && e.query === trace.query),
        `${p.name} saw it`,
      );
    }
  } finally {
    await mesh.close();
  }
});

test('a line with a hop limit of 2: s2 forwards, s3 expires, nobody further reports', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer(['--topology', 'line']);
    const s1 = await mesh.startPeer('s1', ['--hops', '2']);
    const others = [];
    for (const name of ['s2', 's3', 's4', 's5']) others.push(await mesh.startPeer(name));
    await settle([s1, ...others], { s1: ['s2'], s2: ['s1', 's3'], s3: ['s2', 's4'], s4: ['s3', 's5'], s5: ['s4'] });
    const trace = (await s1.ask('trace nobody-has-this.txt', 'trace', 10_000)) as Trace;
    const brief = trace.steps.map((s) => ({ peer: s.peer, from: s.from, hops: s.hops, action: s.action }));
    assert.equal(brief, [
      { peer: 's2', from: 's1', hops: 1, action: 'forwarded' },
      { peer: 's3', from: 's2', hops: 2, action: 'expired' },
    ]);
    assert.is(trace.limit, 2);
    assert.equal(trace.answeredBy, []);
    assert.ok(trace.steps[0]!.ms <= trace.steps[1]!.ms, 'time grows along the line');
    await new Promise((r) => setTimeout(r, 300));
    const s4 = others[2]!;
    assert.not.ok(
      s4.events.some((e) => e.event === 'query-seen' && e.query === trace.query),
      's4 is three links away: never reached',
    );
  } finally {
    await mesh.close();
  }
});

test("a neighbour's forged steps: its own is believed (its own word), one in another peer's name is not", async () => {
  const mesh = new Mesh();
  const mallory = new FakePeer('mallory', mesh.mode);
  try {
    await mesh.startServer();
    const s1 = await mesh.startPeer('s1');
    await mesh.startPeer('s2');
    await settle([s1], { s1: ['s2'] });
    const link = await mallory.linkTo(s1.port);
    await s1.waitFor((e) => e.event === 'neighbour-up' && e.name === 'mallory', 5000);
    const from = s1.events.length;
    s1.send('trace forged.bin');
    const q = (await mallory.waitFor((m) => m.kind === 'query' && m.body.trace !== undefined, 5000)).body as {
      qid: string;
      hops: number;
    };
    const base = { qid: q.qid, from: 's1', hops: q.hops, us: 10, to: 0 };
    link.send('trace-step', signStep({ ...base, peer: 'mallory', action: 'answered' }, mallory.key));
    link.send('trace-step', signStep({ ...base, peer: 's2', action: 'answered' }, mallory.key));
    link.send(
      'trace-step',
      signStep({ ...base, qid: 'unknown-qid-1', peer: 'mallory', action: 'expired' }, mallory.key),
    );
    const trace = (await s1.waitFor('trace', 10_000, from)) as Trace;
    const brief = trace.steps.map((s) => `${s.peer}←${s.from} ${s.action}`).sort();
    assert.equal(brief, ['mallory←s1 answered', 's2←s1 forwarded']);
    assert.equal(trace.answeredBy, ['mallory'], "mallory's word about itself");
    assert.is(trace.rejected, 1, "the step in s2's name");
    assert.ok(s1.events.some((e) => e.event === 'log' && /not signed by s2's key/.test(e.message)));
  } finally {
    mallory.close();
    await mesh.close();
  }
});

test.run();
