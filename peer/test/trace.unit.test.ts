/**
 * The query trace's parts without a network (docs/PROTOCOL.md "Query trace"): the command, the wire schema of a
 * traced query and of a step, the step's signature, the origin's collection (order, hops, bounds, deadline), and how
 * a peer relays steps along the reverse path (dropped for an unknown id, from upstream, beyond the bound).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameDecoder } from '../../common/frame-decoder.js';
import { encodeFrame } from '../../common/frame-encoder.js';
import { SigningKey } from '../../common/signing-key.js';
import { peerMessages, type PeerMessages, type TraceStepMessage } from '../../common/wire/peer-messages.js';
import { parseCommand } from '../control/command-parser.js';
import type { PeerEventReport, TraceResult } from '../control/peer-events.js';
import { FloodRouter } from '../mesh/flood-router.js';
import type { NeighbourLink } from '../mesh/neighbour-link.js';
import type { NeighbourSet } from '../mesh/neighbour-set.js';
import { MAX_TRACE_STEPS, TraceCollector } from '../mesh/trace-collector.js';
import { signStep, stepProblem } from '../mesh/trace-step.js';
import { traceAction, Tracer } from '../mesh/tracer.js';
import type { PeerContext } from '../peer-context.js';

const decode = (kind: keyof PeerMessages & string, body: unknown) => {
  const [frame] = new FrameDecoder().push(encodeFrame(peerMessages.typeOf(kind), Buffer.from(JSON.stringify(body))));
  return peerMessages.decode(frame!);
};
const origin = { name: 's1', id: 'abcdefghijkl', host: '127.0.0.1', port: 7001 };
const key = SigningKey.generate();
const step = (over: Partial<TraceStepMessage> = {}): TraceStepMessage =>
  signStep({ qid: 'q-00000001', peer: 's2', from: 's1', hops: 7, action: 'forwarded', us: 250, to: 2, ...over }, key);

test('trace FILE: a keyword in any case; it needs a safe file name', () => {
  for (const line of ['trace notes.txt', 'TRACE notes.txt', '  Trace   notes.txt ']) {
    assert.equal(parseCommand(line), { kind: 'trace', file: 'notes.txt' });
  }
  assert.equal(parseCommand('trace holiday photo.png'), { kind: 'trace', file: 'holiday photo.png' });
  assert.match(String((parseCommand('trace') as { message?: string }).message), /trace needs a file name/);
  for (const line of ['trace ../etc/passwd', 'trace /etc/passwd', 'trace .hidden']) {
    assert.is(parseCommand(line).kind, 'invalid', line);
  }
  assert.equal(parseCommand('trace.txt'), { kind: 'download', file: 'trace.txt' }, 'a file called trace.txt');
});

test('a query may carry a trace mark; a query without one is still valid; a bad mark is refused', () => {
  const plain = { qid: 'q-00000001', file: 'a.txt', hops: 7, origin };
  assert.equal(decode('query', plain).body, plain);
  const traced = { ...plain, trace: { us: 1234 } };
  assert.equal(decode('query', traced).body, traced);
  for (const trace of [{ us: -1 }, { us: 1.5 }, { us: 600_000_001 }, { ms: 3 }, 'yes']) {
    assert.throws(() => decode('query', { ...plain, trace }), /trace/, JSON.stringify(trace));
  }
});

test('a step is schema-checked: names, action, counts, key and signature sizes', () => {
  const good = step();
  assert.equal(decode('trace-step', good).body, good);
  const bad: Partial<Record<keyof TraceStepMessage, unknown>>[] = [
    { action: 'refused' },
    { peer: '../x' },
    { hops: 33 },
    { us: -5 },
    { to: 257 },
    { key: 'AAAA' },
    { sig: good.key },
  ];
  for (const over of bad)
    assert.throws(() => decode('trace-step', { ...good, ...over }), undefined, JSON.stringify(over));
});

test("a step is believed only with the named peer's key, unaltered", () => {
  const s = step();
  assert.is(stepProblem(s, key.id), undefined);
  assert.match(String(stepProblem(s, SigningKey.generate().id)), /not signed by s2's key/);
  assert.match(String(stepProblem(s, undefined)), /not a peer this mesh knows/);
  for (const over of [{ action: 'answered' as const }, { us: 1 }, { from: 's9' }, { hops: 3 }, { to: 0 }]) {
    assert.match(String(stepProblem({ ...s, ...over }, key.id)), /bad signature/, JSON.stringify(over));
  }
});

test('the search outcome becomes a step action: expired only when the hops ran out', () => {
  assert.is(traceAction('forwarded', 5), 'forwarded');
  assert.is(traceAction('expired', 5), 'forwarded', 'a leaf with hops left passed it to nobody, but had hops');
  assert.is(traceAction('expired', 1), 'expired');
  assert.is(traceAction('forwarded', 1), 'expired');
  assert.is(traceAction('answered', 1), 'answered');
  assert.is(traceAction('duplicate', 4), 'duplicate');
  assert.is(traceAction('refused', 4), undefined);
  assert.is(traceAction('own', 4), undefined);
});

test('the collector orders steps by time, turns hops left into links crossed, ignores repeats, clamps times', async () => {
  let result: TraceResult | undefined;
  let now = 0;
  const c = new TraceCollector('q-00000001', 'a.txt', 7, (r) => (result = r), { quietMs: 30, now: () => now });
  now = 5; // 5 ms after the send: no step can be later than that
  c.add(step({ peer: 's3', from: 's2', hops: 6, action: 'answered', us: 900 }));
  c.add(step({ peer: 's2', from: 's1', hops: 7, us: 400 }));
  c.add(step({ peer: 's2', from: 's1', hops: 7, us: 100 })); // the same copy again: ignored
  c.add(step({ peer: 's2', from: 's3', hops: 5, action: 'duplicate', us: 60_000 }));
  c.offer('s3', 10, 'a'.repeat(64));
  await new Promise((r) => setTimeout(r, 60));
  assert.ok(result);
  assert.equal(
    result.steps.map((s) => [s.peer, s.from, s.hops, s.action, s.ms]),
    [
      ['s2', 's1', 1, 'forwarded', 0.4],
      ['s3', 's2', 2, 'answered', 0.9],
      ['s2', 's3', 3, 'duplicate', 5],
    ],
  );
  assert.equal([result.reached, result.duplicates, result.answeredBy, result.limit], [2, 1, ['s3'], 7]);
  assert.equal(result.offers, [{ peer: 's3', bytes: 10, sha256: 'a'.repeat(64) }]);
});

test('the collector finishes when steps stop, at the deadline however many come, and holds for a slow check', async () => {
  let empty: TraceResult | undefined;
  new TraceCollector('q-00000002', 'a.txt', 7, (r) => (empty = r), { quietMs: 20, timeoutMs: 1000 });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(empty?.steps, [], 'nobody to ask: answered at once');

  let busy: TraceResult | undefined;
  const c = new TraceCollector('q-00000003', 'a.txt', 7, (r) => (busy = r), { quietMs: 40, timeoutMs: 150 });
  let n = 0;
  const drip = setInterval(() => c.add(step({ peer: `p${n++}` })), 10);
  await new Promise((r) => setTimeout(r, 250));
  clearInterval(drip);
  assert.ok(busy, 'the deadline ends a trace that keeps getting steps');
  assert.ok(busy.steps.length >= 5 && busy.steps.length <= 16, `${busy.steps.length} steps in 150 ms`);

  let held: TraceResult | undefined;
  const h = new TraceCollector('q-00000004', 'a.txt', 7, (r) => (held = r), { quietMs: 20, timeoutMs: 1000 });
  h.hold(new Promise<void>((r) => setTimeout(() => (h.add(step()), r()), 60)));
  await new Promise((r) => setTimeout(r, 40));
  assert.is(held, undefined, 'not finished while a check is out');
  await new Promise((r) => setTimeout(r, 60));
  assert.is(held?.steps.length, 1);
});

test('the collector waits for the offer of a peer that answered, up to the deadline', async () => {
  let result: TraceResult | undefined;
  const c = new TraceCollector('q-00000006', 'a.txt', 7, (r) => (result = r), { quietMs: 20, timeoutMs: 1000 });
  c.add(step({ peer: 's4', action: 'answered' }));
  await new Promise((r) => setTimeout(r, 50));
  assert.is(result, undefined, 'the answer is known, its offer not yet');
  c.offer('s4', 5, 'b'.repeat(64));
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(result?.offers, [{ peer: 's4', bytes: 5, sha256: 'b'.repeat(64) }]);

  let late: TraceResult | undefined;
  const d = new TraceCollector('q-00000007', 'a.txt', 7, (r) => (late = r), { quietMs: 20, timeoutMs: 100 });
  d.add(step({ peer: 's4', action: 'answered' }));
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(late?.offers, [], 'no offer: the deadline ends it');
});

test('the collector keeps at most MAX_TRACE_STEPS steps and counts the rest', () => {
  let result: TraceResult | undefined;
  const c = new TraceCollector('q-00000005', 'a.txt', 7, (r) => (result = r), { quietMs: 1000 });
  for (let i = 0; i < MAX_TRACE_STEPS + 5; i += 1) c.add(step({ peer: `p${i}` }));
  c.finish();
  assert.is(result?.steps.length, MAX_TRACE_STEPS);
  assert.is(result?.rejected, 5);
});

/** A peer `me` with neighbours whose sends are recorded. */
function relay(me: string, neighbours: string[]) {
  const sent: { to: string; kind: string; body: unknown }[] = [];
  const links = new Map(
    neighbours.map((name) => [
      name,
      { name, rttMs: 0.4, send: (kind: string, body: unknown) => sent.push({ to: name, kind, body }) },
    ]),
  );
  const set = {
    names: () => [...links.keys()],
    get: (name: string) => links.get(name),
    broadcast: (kind: string, body: unknown, except?: string) => {
      for (const l of links.values()) if (l.name !== except) l.send(kind, body);
      return links.size - (except ? 1 : 0);
    },
  } as unknown as NeighbourSet;
  const router = new FloodRouter(set);
  const events: PeerEventReport[] = [];
  const ctx = {
    name: me,
    id: key.id,
    self: () => ({ ...origin, name: me }),
    emit: (e: PeerEventReport) => events.push(e),
    log: (message: string) => events.push({ event: 'log', level: 'warn', message }),
  } as unknown as PeerContext;
  const tracer = new Tracer(
    ctx,
    {
      router,
      neighbours: set,
      signer: key,
      hopLimit: () => 3,
      knownId: () => key.id,
      livePeers: async () => undefined,
      // The search: accepts (or drops a duplicate) and forwards, reporting like search-responder.ts.
      search: (link, q) => {
        const fresh = router.accept(q.qid, link.name);
        const sent = fresh ? router.forward('query', q, link.name) : 0;
        const action = !fresh ? 'duplicate' : sent > 0 ? 'forwarded' : 'expired';
        const seen = { event: 'query-seen', query: q.qid, file: q.file, from: link.name, origin: q.origin.name };
        tracer.observe({ ...seen, hops: q.hops, action } as PeerEventReport);
      },
    },
    { quietMs: 30 },
  );
  const link = (name: string) => links.get(name) as unknown as NeighbourLink;
  return { tracer, sent, events, link };
}

test('a relay: a traced query is forwarded with its time grown by half the round trip, its step sent upstream', () => {
  const r = relay('s2', ['s1', 's3']);
  const q = { qid: 'q-00000010', file: 'a.txt', hops: 3, origin, trace: { us: 100 } };
  r.tracer.onQuery(r.link('s1'), q);
  const forwarded = r.sent.find((s) => s.kind === 'query');
  assert.equal(forwarded, { to: 's3', kind: 'query', body: { ...q, hops: 2, trace: { us: 300 } } });
  const up = r.sent.find((s) => s.kind === 'trace-step');
  assert.is(up?.to, 's1');
  const body = up?.body as TraceStepMessage;
  assert.equal([body.peer, body.from, body.hops, body.action, body.us, body.to], ['s2', 's1', 3, 'forwarded', 300, 1]);
  assert.is(stepProblem(body, key.id), undefined, 'signed');

  // A step from downstream goes upstream; one for an unknown id, or coming from upstream, is dropped.
  r.sent.length = 0;
  const down = step({ qid: 'q-00000010', peer: 's3', from: 's2', hops: 2 });
  r.tracer.onStep(r.link('s3'), down);
  r.tracer.onStep(r.link('s1'), down);
  r.tracer.onStep(r.link('s3'), step({ qid: 'q-99999999', peer: 's3' }));
  assert.equal(r.sent, [{ to: 's1', kind: 'trace-step', body: down }]);
});

test('a relay passes on at most MAX_TRACE_STEPS steps of one trace; a plain query reports nothing', () => {
  const r = relay('s2', ['s1', 's3']);
  r.tracer.onQuery(r.link('s1'), { qid: 'q-00000011', file: 'a.txt', hops: 3, origin, trace: { us: 0 } });
  r.sent.length = 0;
  for (let i = 0; i < MAX_TRACE_STEPS + 10; i += 1) r.tracer.onStep(r.link('s3'), step({ qid: 'q-00000011' }));
  assert.is(r.sent.length, MAX_TRACE_STEPS - 1, 'its own step was the first of them');
  r.sent.length = 0;
  r.tracer.onQuery(r.link('s1'), { qid: 'q-00000012', file: 'a.txt', hops: 3, origin });
  assert.equal(
    r.sent.map((s) => s.kind),
    ['query'],
  );
  r.tracer.onStep(r.link('s3'), step({ qid: 'q-00000012' }));
  assert.is(r.sent.length, 1, 'not a traced id: its steps are not relayed');
});

test('the origin: one trace event with the believed steps; a forged one is counted, not shown', async () => {
  const r = relay('s1', ['s2']);
  r.tracer.request('a.txt', 4);
  const sent = r.sent.find((s) => s.kind === 'query')?.body as PeerMessages['query'];
  assert.equal([sent.hops, sent.trace], [3, { us: 0 }]);
  r.tracer.onStep(r.link('s2'), step({ qid: sent.qid, hops: 3 }));
  const forged = step({ qid: sent.qid, peer: 's3', from: 's2', hops: 2 });
  for (let i = 0; i < 3; i += 1) r.tracer.onStep(r.link('s2'), { ...forged, action: 'answered' });
  await new Promise((res) => setTimeout(res, 80));
  const trace = r.events.find((e) => e.event === 'trace');
  assert.ok(trace?.event === 'trace');
  assert.is(trace.cmd, 4);
  assert.equal(
    trace.steps.map((s) => [s.peer, s.hops, s.action]),
    [['s2', 1, 'forwarded']],
  );
  assert.is(trace.rejected, 3);
  const logged = r.events.filter((e) => e.event === 'log' && /bad signature for s3/.test(e.message));
  assert.is(logged.length, 1, 'one line per trace, however many forged steps');
});

test.run();
