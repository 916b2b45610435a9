/**
 * Properties of both message tables and the piece codec (common/message-table.ts, common/wire/): valid messages
 * round-trip, and arbitrary bytes, schema-violating bodies, mutated real messages and deeply nested JSON are either
 * refused with the project's own error or accepted only as a message that satisfies wire-invariants.ts.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { P2pError } from '../../common/errors.js';
import { FrameDecoder, type Frame } from '../../common/frame-decoder.js';
import { peerMessages } from '../../common/wire/peer-messages.js';
import { serverMessages } from '../../common/wire/server-messages.js';
import { thrown, type FuzzProperty } from './fuzz-runner.js';
import { peerBodies, serverBodies, taggedArb, textArb } from './wire-arbitraries.js';
import { peerInvariants, serverInvariants } from './wire-invariants.js';

interface AnyTable {
  encode(kind: string, body: unknown): Buffer;
  decode(frame: Frame): { kind: string; body: unknown };
}

/** The one frame in an encoded message, through the real decoder. */
export function frameOf(wire: Buffer): Frame {
  const frames = new FrameDecoder({ maxFrameBytes: 1 << 30 }).push(wire);
  if (frames.length !== 1) throw new Error(`encoded ${frames.length} frames`);
  return frames[0]!;
}

/**
 * What a decoder may do with hostile input: refuse it with P2pError (bad message, unknown type), or accept a message
 * that satisfies the invariants of its kind and encodes back to itself. Returns a sentence when it did neither.
 */
export function judge(
  table: AnyTable,
  invariants: Record<string, (v: unknown) => boolean>,
  frame: Frame,
): string | undefined {
  let msg: { kind: string; body: unknown } | undefined;
  const err = thrown(() => (msg = table.decode(frame)));
  if (err !== undefined) {
    if (!(err instanceof P2pError)) return `threw a foreign error: ${String(err)}`;
    if (err.code !== 'P2P_ERR_BAD_MESSAGE' && err.code !== 'P2P_ERR_UNKNOWN_TYPE') return `threw ${err.code}`;
    return undefined;
  }
  const { kind, body } = msg!;
  if (!invariants[kind]!(body)) return `accepted a ${kind} that breaks its invariants: ${JSON.stringify(body)}`;
  if (kind === 'piece') return undefined;
  const again = table.decode(frameOf(table.encode(kind, body)));
  if (!isDeepStrictEqual(again.body, body)) return `accepted a ${kind} that does not encode back to itself`;
  return undefined;
}

/** Byte-level mutations of a recorded message: flip, insert, delete, overwrite, truncate. */
export const mutationArb = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 8 }) }),
  fc.record({
    op: fc.constant('set' as const),
    at: fc.nat(),
    byte: fc.constantFrom(0x22, 0x5c, 0x7b, 0x5d, 0x2c, 0x3a, 0x30, 0x80, 0xff),
  }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);
type Mutation = typeof mutationArb extends fc.Arbitrary<infer T> ? T : never;

export function mutate(bytes: Buffer, mutations: Mutation[]): Buffer {
  let b = Buffer.from(bytes);
  for (const m of mutations) {
    const at = b.length === 0 ? 0 : m.at % (b.length + 1);
    if (m.op === 'flip' && at < b.length) b[at]! ^= 1 << m.bit;
    if (m.op === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.of(m.byte), b.subarray(at)]);
    if (m.op === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.n)]);
    if (m.op === 'set' && at < b.length) b[at] = m.byte;
    if (m.op === 'truncate') b = b.subarray(0, at);
  }
  return b;
}

/** Replaces, removes or adds one field somewhere inside a JSON value; the replacement is any JSON at all. */
export function violate(
  value: unknown,
  path: number[],
  replacement: unknown,
  how: 'replace' | 'remove' | 'add',
): unknown {
  if (typeof value !== 'object' || value === null) return how === 'replace' ? replacement : value;
  const keys = Object.keys(value);
  if (keys.length === 0 || path.length === 0) {
    if (how === 'add' && !Array.isArray(value)) return { ...value, ['x' + String(path.length)]: replacement };
    return how === 'replace' ? replacement : value;
  }
  const key = keys[path[0]! % keys.length]!;
  const copy = (Array.isArray(value) ? [...(value as unknown[])] : { ...value }) as Record<string, unknown>;
  if (path.length === 1 && how === 'remove') delete copy[key];
  else copy[key] = violate(copy[key], path.slice(1), replacement, how);
  return copy;
}

export const hostileJson = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(null, [], {}, '', -1, 1e308, -0, 0.5, 2 ** 53, '__proto__', { __proto__: null }, [[[[]]]]),
  textArb(0, 300),
);

function tableProperties(
  label: string,
  table: AnyTable,
  bodies: object,
  invariants: Record<string, (v: unknown) => boolean>,
  types: number[],
): FuzzProperty[] {
  const valid = taggedArb(bodies as Record<string, fc.Arbitrary<unknown>>);
  const check = (frame: Frame) => {
    const problem = judge(table, invariants, frame);
    if (problem) throw new Error(problem);
  };
  return [
    {
      name: `${label}: every valid message round-trips`,
      runs: 1500,
      property: () =>
        fc.property(valid, ({ kind, body }) =>
          isDeepStrictEqual(table.decode(frameOf(table.encode(kind, body))), { kind, body }),
        ),
    },
    {
      name: `${label}: arbitrary bytes under any type are refused or valid`,
      runs: 1000,
      property: () =>
        fc.property(
          fc.oneof(fc.constantFrom(...types), fc.integer({ min: 0, max: 255 })),
          fc.uint8Array({ maxLength: 200 }),
          (type, payload) => check({ type, payload: Buffer.from(payload) }),
        ),
    },
    {
      name: `${label}: schema-violating bodies are refused or valid`,
      runs: 1500,
      property: () =>
        fc.property(
          valid,
          fc.array(fc.nat(), { maxLength: 4 }),
          hostileJson,
          fc.constantFrom('replace', 'remove', 'add' as const),
          (msg, path, replacement, how) => {
            const body = violate(msg.body, path, replacement, how);
            check({ type: table.encode(msg.kind, msg.body)[4]!, payload: Buffer.from(JSON.stringify(body) ?? 'null') });
          },
        ),
    },
    {
      name: `${label}: mutated real messages are refused or valid`,
      runs: 1500,
      property: () =>
        fc.property(valid, fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (msg, mutations) => {
          const wire = table.encode(msg.kind, msg.body);
          check({ type: wire[4]!, payload: mutate(wire.subarray(5), mutations) });
        }),
    },
    {
      name: `${label}: deeply nested JSON is refused without a foreign error`,
      runs: 30,
      property: () =>
        fc.property(
          fc.constantFrom(...types),
          fc.integer({ min: 1, max: 200_000 }),
          fc.constantFrom('[', '{"a":', '{"name":'),
          (type, depth, open) => {
            const close = open === '[' ? ']' : '}';
            check({ type, payload: Buffer.from(open.repeat(depth) + '1' + close.repeat(depth)) });
          },
        ),
    },
  ];
}

const peerTypes = Object.keys(peerInvariants).map((k) => peerMessages.typeOf(k as never));
const serverTypes = Object.keys(serverInvariants).map((k) => serverMessages.typeOf(k as never));

export const wireProperties: FuzzProperty[] = [
  ...tableProperties('peer messages', peerMessages as unknown as AnyTable, peerBodies, peerInvariants, peerTypes),
  ...tableProperties(
    'server messages',
    serverMessages as unknown as AnyTable,
    serverBodies,
    serverInvariants,
    serverTypes,
  ),
  {
    name: 'mirror-batch codec: round-trips, and refuses a payload cut short or with bytes beyond its sizes',
    runs: 500,
    property: () =>
      fc.property(
        fc.array(fc.record({ n: fc.integer({ min: 1, max: 0xffffffff }), data: fc.uint8Array({ maxLength: 300 }) }), {
          minLength: 1,
          maxLength: 20,
        }),
        fc.nat(),
        (files, cut) => {
          const batch = { files: files.map((f) => ({ n: f.n, data: Buffer.from(f.data) })) };
          const wire = peerMessages.encode('mirror-batch', batch);
          const m = peerMessages.decode(frameOf(wire));
          if (m.kind !== 'mirror-batch' || !isDeepStrictEqual(m.body, batch)) return false;
          const payload = wire.subarray(5);
          const short = { type: wire[4]!, payload: payload.subarray(0, cut % payload.length) };
          const long = { type: wire[4]!, payload: Buffer.concat([payload, Buffer.from([0])]) };
          return [short, long].every((f) => {
            const err = thrown(() => peerMessages.decode(f));
            return err instanceof P2pError && err.code === 'P2P_ERR_BAD_MESSAGE';
          });
        },
      ),
  },
  {
    name: 'piece codec: round-trips, and refuses only a payload shorter than its index',
    runs: 1000,
    property: () =>
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.uint8Array({ maxLength: 2000 }),
        fc.nat(8),
        (index, data, cutAt) => {
          const wire = peerMessages.encode('piece', { index, data: Buffer.from(data) });
          const m = peerMessages.decode(frameOf(wire));
          if (m.kind !== 'piece' || m.body.index !== index || !m.body.data.equals(data)) return false;
          const short = { type: wire[4]!, payload: wire.subarray(5, 5 + Math.min(cutAt, 3)) };
          const err = thrown(() => peerMessages.decode(short));
          return err instanceof P2pError && err.code === 'P2P_ERR_BAD_MESSAGE';
        },
      ),
  },
];
