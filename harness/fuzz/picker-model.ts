/**
 * Model-based test of the piece picker (peer/content/piece-picker.ts) with fast-check commands: random sequences of
 * pick, arrive, check, re-check and drop, run against a plain model that states what the picker documents: a source
 * gets the lowest missing pieces nobody was asked for, and only in the endgame copies of pieces in flight elsewhere,
 * at most `endgameCopies` sources a piece, never more than `depth` at one source, never a held or checked piece.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { Bitfield } from '../../peer/content/bitfield.js';
import { PiecePicker } from '../../peer/content/piece-picker.js';
import type { FuzzProperty } from './fuzz-runner.js';

const SOURCES = ['a', 'b', 'c', 'd'] as const;
type Source = (typeof SOURCES)[number];

interface Model {
  n: number;
  depth: number;
  copies: number;
  held: Set<number>;
  checking: Set<number>;
  inflight: Map<Source, Set<number>>;
}
interface Real {
  have: Bitfield;
  picker: PiecePicker<Source>;
}

const mine = (m: Model, s: Source) => m.inflight.get(s) ?? new Set<number>();
const askedCount = (m: Model, p: number) => [...m.inflight.values()].filter((set) => set.has(p)).length;
const nth = <T>(items: Iterable<T>, k: number): T => {
  const list = [...items].sort();
  return list[k % list.length]!;
};

function agree(m: Model, r: Real): void {
  for (const s of SOURCES) {
    const got = [...r.picker.inflightAt(s)].sort((x, y) => x - y);
    const want = [...mine(m, s)].sort((x, y) => x - y);
    if (!isDeepStrictEqual(got, want)) throw new Error(`in flight at ${s}: ${got} but the model says ${want}`);
  }
  for (let i = 0; i < m.n; i++) {
    if (r.picker.isChecking(i) !== m.checking.has(i)) throw new Error(`piece ${i}: checking disagrees`);
    if (r.have.has(i) !== m.held.has(i)) throw new Error(`piece ${i}: held disagrees`);
  }
}

class Pick implements fc.Command<Model, Real> {
  constructor(readonly s: Source) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const at = mine(m, this.s);
    const free = m.depth - at.size;
    const open = (p: number) => !m.held.has(p) && !m.checking.has(p);
    const all = [...Array(m.n).keys()];
    const unasked = all.filter((p) => open(p) && askedCount(m, p) === 0);
    const endgame = all.filter((p) => open(p) && !at.has(p) && askedCount(m, p) < m.copies);
    const want = free <= 0 ? [] : (unasked.length > 0 ? unasked : endgame).slice(0, free);
    const got = r.picker.pick(this.s);
    if (!isDeepStrictEqual(got, want)) throw new Error(`pick(${this.s}) gave [${got}], the model wants [${want}]`);
    for (const p of got) at.add(p);
    m.inflight.set(this.s, at);
    agree(m, r);
  }
  toString = () => `pick(${this.s})`;
}

/** A piece asked of `s` arrives (the only pieces a source may deliver: download-source.ts drops any other). */
class Arrive implements fc.Command<Model, Real> {
  constructor(
    readonly s: Source,
    readonly k: number,
  ) {}
  check = (m: Readonly<Model>) => mine(m as Model, this.s).size > 0;
  run(m: Model, r: Real): void {
    const p = nth(mine(m, this.s), this.k);
    mine(m, this.s).delete(p);
    const fresh = !m.held.has(p) && !m.checking.has(p);
    const cancel: Source[] = [];
    if (fresh) {
      m.checking.add(p);
      for (const [other, set] of m.inflight) if (other !== this.s && set.delete(p)) cancel.push(other);
    }
    const got = r.picker.arrived(this.s, p);
    if (got.fresh !== fresh || !isDeepStrictEqual([...got.cancel].sort(), cancel.sort()))
      throw new Error(
        `arrived(${this.s}, ${p}) gave ${JSON.stringify(got)}, the model wants fresh ${fresh}, cancel ${cancel}`,
      );
    agree(m, r);
  }
  toString = () => `arrive(${this.s}, #${this.k})`;
}

class Checked implements fc.Command<Model, Real> {
  constructor(
    readonly k: number,
    readonly ok: boolean,
  ) {}
  check = (m: Readonly<Model>) => m.checking.size > 0;
  run(m: Model, r: Real): void {
    const p = nth(m.checking, this.k);
    m.checking.delete(p);
    if (this.ok) {
      m.held.add(p);
      r.have.set(p);
    }
    r.picker.checked(p, this.ok);
    agree(m, r);
  }
  toString = () => `checked(#${this.k}, ${this.ok})`;
}

/** A held piece is found damaged on disk: the caller clears its bit and rewinds. */
class Recheck implements fc.Command<Model, Real> {
  constructor(readonly k: number) {}
  check = (m: Readonly<Model>) => m.held.size > 0;
  run(m: Model, r: Real): void {
    const p = nth(m.held, this.k);
    m.held.delete(p);
    r.have.clear(p);
    r.picker.rewind([p]);
    agree(m, r);
  }
  toString = () => `recheck(#${this.k})`;
}

class Drop implements fc.Command<Model, Real> {
  constructor(readonly s: Source) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const want = [...mine(m, this.s)].sort((x, y) => x - y);
    m.inflight.delete(this.s);
    const got = r.picker.dropSource(this.s).sort((x, y) => x - y);
    if (!isDeepStrictEqual(got, want))
      throw new Error(`dropSource(${this.s}) gave [${got}], the model wants [${want}]`);
    agree(m, r);
  }
  toString = () => `drop(${this.s})`;
}

const sourceArb = fc.constantFrom(...SOURCES);
const commandsArb = fc.commands(
  [
    sourceArb.map((s) => new Pick(s)),
    fc.tuple(sourceArb, fc.nat()).map(([s, k]) => new Arrive(s, k)),
    fc.tuple(fc.nat(), fc.boolean()).map(([k, ok]) => new Checked(k, ok)),
    fc.nat().map((k) => new Recheck(k)),
    sourceArb.map((s) => new Drop(s)),
  ],
  { maxCommands: 80, size: 'large' },
);

export const pickerProperties: FuzzProperty[] = [
  {
    name: 'piece picker: agrees with its model over random pick/arrive/check/recheck/drop sequences',
    runs: 600,
    property: () =>
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 24 })),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.option(fc.uint8Array({ minLength: 3, maxLength: 3 })),
        commandsArb,
        (n, depth, copies, start, cmds) => {
          const have = new Bitfield(n, start ? start.subarray(0, Math.ceil(n / 8)) : undefined);
          const held = new Set([...Array(n).keys()].filter((i) => have.has(i)));
          const picker = new PiecePicker<Source>(have, { depth, endgameCopies: copies });
          const model: Model = { n, depth, copies, held, checking: new Set(), inflight: new Map() };
          fc.modelRun(() => ({ model, real: { have, picker } }), cmds);
        },
      ),
  },
];
