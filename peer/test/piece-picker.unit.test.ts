import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Bitfield } from '../content/bitfield.js';
import { PiecePicker } from '../content/piece-picker.js';

const picker = (count: number, opts = {}) => {
  const have = new Bitfield(count);
  // A tie-break that always keeps the first: the lowest index among equally rare pieces (deterministic order).
  return { have, p: new PiecePicker(have, { depth: 2, endgameCopies: 2, random: () => 0.99, ...opts }) };
};

test('picks the lowest missing pieces first, skipping held ones', () => {
  const { have, p } = picker(6);
  have.set(0);
  have.set(2);
  assert.equal(p.pick('a'), [1, 3]);
  assert.equal(p.pick('b'), [4, 5]);
});

test('fills a window only up to its depth', () => {
  const { p } = picker(10, { depth: 3 });
  assert.equal(p.pick('a'), [0, 1, 2]);
  assert.equal(p.pick('a'), []);
  p.arrived('a', 0);
  assert.equal(p.pick('a'), [3]);
});

test('never asks two sources for one piece while pieces nobody was asked for remain', () => {
  const { have, p } = picker(40);
  const seen = new Set<number>();
  const sources = ['a', 'b', 'c'];
  for (let round = 0; round < 40 && !have.full; round++) {
    for (const s of sources) {
      const picks = p.pick(s);
      for (const i of picks) {
        const untouched = [...Array(40).keys()].some((k) => !have.has(k) && !seen.has(k));
        if (untouched) assert.not.ok(seen.has(i), `piece ${i} asked twice outside the endgame`);
        seen.add(i);
      }
      const first = [...p.inflightAt(s)][0];
      if (first !== undefined && p.arrived(s, first).fresh) {
        p.checked(first, true);
        have.set(first);
      }
    }
  }
});

test('endgame: a missing piece is asked of at most endgameCopies sources', () => {
  const { p } = picker(2, { depth: 2, endgameCopies: 2 });
  assert.equal(p.pick('a'), [0, 1]);
  assert.equal(p.pick('b'), [0, 1], 'b is asked too: nothing else is left');
  assert.equal(p.pick('c'), [], 'two copies of each are already asked for');
});

test('an arrival cancels the copies at other sources; a late copy is a duplicate', () => {
  const { p } = picker(1, { depth: 1 });
  p.pick('a');
  p.pick('b');
  assert.equal(p.arrived('a', 0), { fresh: true, cancel: ['b'] });
  assert.is(p.inflightAt('b').size, 0);
  assert.equal(p.arrived('b', 0), { fresh: false, cancel: [] });
  assert.ok(p.isChecking(0));
});

test('a piece being checked is not asked for again', () => {
  const { p } = picker(3, { depth: 1 });
  p.pick('a');
  p.arrived('a', 0);
  assert.equal(p.pick('a'), [1]);
  assert.equal(p.pick('b'), [2]);
  assert.equal(p.pick('c'), [1], 'endgame copy of 1, never of 0 being checked');
});

test('a lost source returns its pieces, picked first by the others', () => {
  const { p } = picker(8);
  assert.equal(p.pick('a'), [0, 1]);
  assert.equal(p.pick('b'), [2, 3]);
  p.arrived('b', 2);
  p.checked(2, true);
  assert.equal(p.dropSource('a').sort(), [0, 1]);
  assert.is(p.inflightAt('a').size, 0);
  assert.equal(p.pick('b'), [0]);
});

test('a bad piece is missing again and picked first', () => {
  const { have, p } = picker(6);
  p.pick('a');
  p.pick('b');
  p.arrived('a', 0);
  p.checked(0, true);
  have.set(0);
  p.arrived('a', 1);
  p.checked(1, false);
  p.dropSource('a');
  p.arrived('b', 2);
  assert.equal(p.pick('b'), [1]);
});

test('pieces found bad later (rewind) are picked again', () => {
  const { have, p } = picker(4, { depth: 1 });
  for (let i = 0; i < 4; i++) have.set(i);
  assert.equal(p.pick('a'), []);
  have.clear(1);
  p.rewind([1]);
  assert.equal(p.pick('a'), [1]);
});

test('with endgameAfterMs, a copy is asked for only once the first ask is overdue', () => {
  const { p } = picker(1, { depth: 1, endgameAfterMs: 500 });
  assert.equal(p.pick('a', 1000), [0]);
  assert.equal(p.pick('b', 1200), [], 'not overdue yet');
  assert.ok(p.waitingForEndgame);
  assert.equal(p.pick('b', 1500), [0]);
  p.arrived('a', 0);
  assert.not.ok(p.waitingForEndgame);
});

test('canSupply: a full holder always; a partial source while it holds a missing piece or has one in flight', () => {
  const { have, p } = picker(4);
  const bits = new Bitfield(4);
  bits.set(1);
  p.addSource('partial', bits);
  p.addSource('full');
  assert.ok(p.canSupply('partial'));
  have.set(1); // we verified its only piece elsewhere
  assert.not.ok(p.canSupply('partial'));
  p.announce('partial', [3]);
  assert.ok(p.canSupply('partial'));
  assert.equal(p.pick('partial'), [3]);
  have.set(3);
  assert.ok(p.canSupply('partial'), 'a piece in flight there');
  p.arrived('partial', 3);
  assert.not.ok(p.canSupply('partial'));
  have.set(0);
  have.set(2);
  assert.ok(p.canSupply('full'), 'a full holder is never judged here');
});

test.run();
