import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REFERRAL_MAX_DEGREE } from '../referral-policy.js';
import { RacingJoins } from './racing-joins.js';

const median = (sorted: number[]) => sorted[Math.floor(sorted.length / 2)]!;

// lag 0 is joining in order; lag 30 welcomes thirty peers before the first goes live (so they all go live alone
// and the repair weaves them in). Before referrals reserved degree, 50 peers at lag 10 gave one peer 21 links and a
// median of 2 (docs/performance.md "Many peers").
for (const count of [50, 100]) {
  for (const [lag, firstAtOnce] of [
    [0, false],
    [3, false],
    [10, false],
    [30, false],
    [10, true],
  ] as const) {
    const first = firstAtOnce ? ', the first at once' : '';
    test(`${count} racing joins, each live ${lag} welcomes later${first}: degrees bounded and spread, mesh whole`, () => {
      const sim = new RacingJoins(count).run(lag, { firstAtOnce });
      const d = sim.degrees();
      const seen = `degrees ${d.join(',')}`;
      assert.ok(d.at(-1)! <= REFERRAL_MAX_DEGREE, `max degree ${d.at(-1)} > ${REFERRAL_MAX_DEGREE}: ${seen}`);
      assert.ok(d[0]! >= 1, seen);
      assert.ok(median(d) >= 3, `median ${median(d)}: ${seen}`);
      const diameter = sim.diameter();
      assert.ok(Number.isFinite(diameter), 'the mesh is connected');
      assert.ok(diameter <= 8, `diameter ${diameter}`);
    });
  }
}

test('a referral reserves a place until it is reported, and frees it when the hold expires', () => {
  const sim = new RacingJoins(10);
  const f = sim.f;
  for (const [i, name] of ['a', 'b', 'c'].entries()) f.joinLive(i + 1, name);
  // a: b, c (degree 2); b: a; c: a. Two newcomers welcomed before either goes live: the second must not get the
  // first's referrals again.
  const first = f.join(4, 'd');
  const second = f.join(5, 'e');
  assert.ok(first.reply?.kind === 'welcome' && second.reply?.kind === 'welcome');
  const d = first.reply.body.referrals.map((r) => r.name);
  const e = second.reply.body.referrals.map((r) => r.name);
  assert.equal(d, ['b', 'c']);
  assert.equal(e, ['a', 'b'], 'b and c each hold one reserved place; a is the farthest from b');
  f.send(4, 'listening', { port: first.reply.body.port, neighbours: d });
  const reserved = () => Object.fromEntries(f.registry.graph(f.clock).nodes.map((n) => [n.name, n.reserved]));
  assert.equal(reserved(), { a: 1, b: 1, c: 0, d: 0 }, "d's referrals are reported, e's are held for it");
  // e never goes live: its promises expire after the hold (10 s) and no longer count.
  f.clock += 5000;
  assert.equal(reserved(), { a: 1, b: 1, c: 0, d: 0 }, 'still held after 5 s');
  f.clock += 6000;
  assert.equal(reserved(), { a: 0, b: 0, c: 0, d: 0 });
  const later = f.join(6, 'g');
  assert.ok(later.reply?.kind === 'welcome');
  assert.equal(later.reply.body.referrals[0]!.name, 'a', 'every peer has two links again: the earliest joined');
});

test.run();
