/**
 * Model-based test of the piece picker (peer/content/piece-picker.ts) with fast-check commands: random sequences of
 * pick, arrive, check, re-check, announce (`have`) and drop, run against a plain model that states what the picker
 * documents: a source gets only missing pieces it holds that nobody was asked for (at random while fewer than
 * `randomFirst` are held, else the rarest among the partial sources' bitfields first), and only in the endgame copies
 * of pieces in flight elsewhere, at most `endgameCopies` sources a piece, never more than `depth` at one source,
 * never a held or checked piece, never a piece the source did not announce.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { Bitfield } from '../../peer/content/bitfield.js';
import { PiecePicker } from '../../peer/content/piece-picker.js';
import type { FuzzProperty } from './fuzz-runner.js';

/** `a` and `b` hold everything; `c` and `d` start with a bitfield (still downloading) until dropped. */
const SOURCES = ['a', 'b', 'c', 'd'] as const;
type Source = (typeof SOURCES)[number];

interface Model {
  n: number;
  depth: number;
  copies: number;
  held: Set<number>;
  checking: Set<number>;
  inflight: Map<Source, Set<number>>;
  /** What each partial source holds; a source absent here holds everything. */
  avail: Map<Source, Set<number>>;
  randomFirst: number;
  /** `spareHoldersMs` is on (every call is at time 0, so a delivery from a partial source keeps it in force). */
  spare: boolean;
  partialDelivered: boolean;
}
interface Real {
  have: Bitfield;
  picker: PiecePicker<Source>;
}

const mine = (m: Model, s: Source) => m.inflight.get(s) ?? new Set<number>();
const askedCount = (m: Model, p: number) => [...m.inflight.values()].filter((set) => set.has(p)).length;
const copiesOf = (m: Model, p: number) => [...m.avail.values()].filter((set) => set.has(p)).length;
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
    const holds = (p: number) => !m.avail.has(this.s) || m.avail.get(this.s)!.has(p);
    const open = (p: number) => !m.held.has(p) && !m.checking.has(p) && holds(p);
    const all = [...Array(m.n).keys()];
    const unasked = all.filter((p) => open(p) && askedCount(m, p) === 0);
    // A full holder is spared what partial sources hold while they deliver.
    const spared = m.spare && m.partialDelivered && !m.avail.has(this.s);
    const pool = spared ? unasked.filter((p) => copiesOf(m, p) === 0) : unasked;
    const endgame = all.filter((p) => open(p) && !at.has(p) && askedCount(m, p) < m.copies);
    const got = r.picker.pick(this.s);
    const fail = (why: string) => {
      throw new Error(`pick(${this.s}) gave [${got}]: ${why}`);
    };
    if (free <= 0 && got.length > 0) fail(`its window of ${m.depth} was full`);
    if (free > 0 && unasked.length > 0) {
      if (got.length !== Math.min(free, pool.length)) fail(`the model wants ${Math.min(free, pool.length)}`);
      const early = m.held.size + m.checking.size < m.randomFirst;
      const left = new Set(pool);
      for (const p of got) {
        if (!left.has(p)) fail(`${p} is not a missing piece it may ask of it that nobody was asked for [${pool}]`);
        const rarest = Math.min(...[...left].map((q) => copiesOf(m, q)));
        if (!early && copiesOf(m, p) !== rarest) fail(`${p} has ${copiesOf(m, p)} copies; the rarest has ${rarest}`);
        left.delete(p);
      }
    } else if (free > 0) {
      const want = endgame.slice(0, free);
      if (!isDeepStrictEqual(got, want)) fail(`the model wants the endgame copies [${want}]`);
    }
    for (const p of got) at.add(p);
    m.inflight.set(this.s, at);
    agree(m, r);
  }
  toString = () => `pick(${this.s})`;
}

/** A partial source announces piece #k (`have`); a full one's announcement changes nothing. */
class Announce implements fc.Command<Model, Real> {
  constructor(
    readonly s: Source,
    readonly k: number,
  ) {}
  check = (m: Readonly<Model>) => m.n > 0;
  run(m: Model, r: Real): void {
    const p = this.k % m.n;
    const set = m.avail.get(this.s);
    const fresh = set && !set.has(p) ? [p] : [];
    set?.add(p);
    const got = r.picker.announce(this.s, [p]);
    if (!isDeepStrictEqual(got, fresh)) throw new Error(`announce(${this.s}, ${p}) gave [${got}], not [${fresh}]`);
    agree(m, r);
  }
  toString = () => `announce(${this.s}, #${this.k})`;
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
    if (m.avail.has(this.s)) m.partialDelivered = true;
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
    m.avail.delete(this.s); // should it come back, it is a full holder (the real picker forgets its bitfield too)
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
    fc.tuple(sourceArb, fc.nat()).map(([s, k]) => new Announce(s, k)),
  ],
  { maxCommands: 80, size: 'large' },
);

/** A small seeded generator (mulberry32): the tie-breaks replay with the case's seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pickerProperties: FuzzProperty[] = [
  {
    name: 'piece picker: agrees with its model over random pick/arrive/check/recheck/announce/drop sequences',
    runs: 600,
    property: () =>
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 24 })),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.option(fc.uint8Array({ minLength: 3, maxLength: 3 })),
        fc.tuple(fc.uint8Array({ minLength: 3, maxLength: 3 }), fc.uint8Array({ minLength: 3, maxLength: 3 })),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 1, max: 0x7fffffff }),
        fc.boolean(),
        commandsArb,
        (n, depth, copies, start, partial, randomFirst, seed, spare, cmds) => {
          const have = new Bitfield(n, start ? start.subarray(0, Math.ceil(n / 8)) : undefined);
          const held = new Set([...Array(n).keys()].filter((i) => have.has(i)));
          const random = seeded(seed);
          const spareHoldersMs = spare ? 1000 : 0;
          const picker = new PiecePicker<Source>(have, {
            depth,
            endgameCopies: copies,
            randomFirst,
            random,
            spareHoldersMs,
          });
          const avail = new Map<Source, Set<number>>();
          (['c', 'd'] as const).forEach((s, j) => {
            const bits = new Bitfield(n, partial[j]!.subarray(0, Math.ceil(n / 8)));
            avail.set(s, new Set([...Array(n).keys()].filter((i) => bits.has(i))));
            picker.addSource(s, bits);
          });
          const model: Model = {
            ...{ n, depth, copies, held, checking: new Set<number>(), inflight: new Map(), avail, randomFirst },
            ...{ spare, partialDelivered: false },
          };
          fc.modelRun(() => ({ model, real: { have, picker } }), cmds);
        },
      ),
  },
];
