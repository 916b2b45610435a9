/**
 * A trace on the dashboard without a terminal: the topology picture lights its steps up one by one (marks beside the
 * names, the layout unmoved), the legend counts them, the marks go after a while; the log lists the steps at once and
 * its summary once the picture has drawn the last one.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PeerEventReport, TraceStep } from '../../peer/control/peer-events.js';
import { LogFeeder } from '../feeders/log-feeder.js';
import { TopologyFeeder } from '../feeders/topology-feeder.js';
import { traceAnimationMs, traceStepMs } from '../feeders/trace-animation.js';
import { topologyLines } from '../panel-text.js';
import { drawTopology, pictureText } from '../topology-picture.js';
import { at, untag } from './events.js';

const peer = (name: string, neighbours: string[], i: number) => ({
  name,
  id: `id-${name}-00000`,
  host: '127.0.0.1',
  port: 7001 + i,
  neighbours,
});
const DIAMOND = [
  peer('s1', ['s2', 's3'], 0),
  peer('s2', ['s1', 's4'], 1),
  peer('s3', ['s1', 's4'], 2),
  peer('s4', ['s2', 's3'], 3),
];
const step = (peer: string, from: string, hops: number, action: TraceStep['action'], ms: number): TraceStep => ({
  ...{ peer, from, hops, action, ms },
  to: action === 'forwarded' ? 1 : 0,
});
const STEPS = [
  step('s2', 's1', 1, 'forwarded', 0.2),
  step('s3', 's1', 1, 'forwarded', 0.3),
  step('s4', 's2', 2, 'answered', 0.5),
  step('s4', 's3', 2, 'duplicate', 0.6),
  step('s3', 's4', 3, 'duplicate', 0.8),
];
const TRACE: PeerEventReport = {
  event: 'trace',
  cmd: 3,
  file: 'diamond.bin',
  query: 'q-00000001',
  limit: 7,
  steps: STEPS,
  reached: 3,
  duplicates: 2,
  answeredBy: ['s4'],
  offers: [],
  rejected: 0,
};

test('the picture lights the steps up in order, keeps its layout, and clears after a while', () => {
  const f = new TopologyFeeder('s1');
  f.apply(at(1, { event: 'mesh', peers: DIAMOND }));
  const start = 10_000;
  assert.ok(f.apply(at(start, TRACE)));
  const frame = () => pictureText(drawTopology(f.view(), 40, 9)).join('\n');
  const first = frame();
  assert.match(first, /s2→/);
  assert.not.match(first, /s3→|s4✓/);
  const step = traceStepMs(STEPS.length);
  assert.ok(f.tick(start + step * 2 + 1), 'a third step lit');
  const third = frame();
  assert.match(third, /s2→/);
  assert.match(third, /s3→/);
  assert.match(third, /s4✓/);
  assert.not.match(third, /×/);
  // Every label has room for its final marks from the start: nothing moves as they light up.
  const rowOf = (text: string, name: string) => text.split('\n').findIndex((l) => l.includes(name));
  for (const name of ['s1', 's2', 's3', 's4']) assert.is(rowOf(first, name), rowOf(third, name), name);
  // The links the first copies travelled are lit: s1–s2, s1–s3, s2–s4 by now; not s3–s4 (only a duplicate took it).
  const litCells = () =>
    drawTopology(f.view(), 40, 9)
      .flat()
      .filter((seg) => seg.kind === 'lit-edge')
      .reduce((n, seg) => n + seg.text.length, 0);
  const litAtThird = litCells();
  assert.ok(litAtThird > 0, 'lit links');
  f.tick(start + traceAnimationMs(STEPS.length));
  assert.is(litCells(), litAtThird, 'duplicates light no link');
  assert.equal([...f.view().trace!.paths].sort(), ['s1\u0000s2', 's1\u0000s3', 's2\u0000s4']);
  const last = frame();
  assert.match(last, /s4✓×/);
  assert.match(last, /s3→×/);
  const legend = untag(topologyLines(f.view(), 80, 10, true).at(-1)!);
  assert.match(legend, /trace diamond\.bin: 5\/5 · → forwarded × duplicate ✓ answered ⌛ expired/);
  assert.match(pictureText(drawTopology(f.view(), 40, 9, false)).join('\n'), /s4\+x/, 'ASCII marks');
  assert.not.ok(f.tick(start + traceAnimationMs(STEPS.length) + 1000), 'nothing new while the marks stay');
  assert.ok(f.tick(start + traceAnimationMs(STEPS.length) + 60_000), 'then they go');
  assert.not.match(frame(), /→|✓|×/);
  assert.match(untag(topologyLines(f.view(), 40, 10, true).at(-1)!), /4 peers/);
});

test('a line: the expired peer gets ⌛; more than ten peers are listed with their marks', () => {
  const f = new TopologyFeeder('s1');
  const names = Array.from({ length: 12 }, (_, i) => `s${i + 1}`);
  f.apply(
    at(1, {
      event: 'mesh',
      peers: names.map((n, i) =>
        peer(
          n,
          [names[i - 1], names[i + 1]].filter((x): x is string => !!x),
          i,
        ),
      ),
    }),
  );
  f.apply(at(5, { ...TRACE, steps: [step('s2', 's1', 1, 'forwarded', 0.1), step('s3', 's2', 2, 'expired', 0.2)] }));
  f.tick(5 + 10_000);
  const text = pictureText(drawTopology(f.view(), 60, 14)).join('\n');
  assert.match(text, /s2→ +→ s1, s3/);
  assert.match(text, /s3⌛ +→ s2, s4/);
});

test('the log lists the steps at once and the summary once the picture is done', () => {
  const f = new LogFeeder();
  f.apply(at(1000, TRACE));
  const lines = () => f.view().lines.map((l) => l.text);
  assert.match(lines()[0]!, /trace diamond\.bin: 5 copies of the query \(hop limit 7\)/);
  assert.match(lines()[3]!, /0\.50 ms +s4 ← s2 +hop 2 +answered/);
  assert.not.ok(f.tick(1000 + traceAnimationMs(5) - 1));
  assert.ok(f.tick(1000 + traceAnimationMs(5)));
  assert.match(
    lines().at(-1)!,
    /trace diamond\.bin: 5 messages, 2 duplicates, reached 3 peers, answered by s4 \(a trace does not download\)/,
  );
});
test.run();
