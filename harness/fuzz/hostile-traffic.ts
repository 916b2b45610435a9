/**
 * Hostile traffic for the live fuzzer (bench/live-fuzz.ts), drawn from the same generators as the properties:
 * random bytes, truncated and oversized frames, zero-length and unknown-type frames, valid frames with
 * schema-violating bodies, mutated recordings of real messages, deeply nested JSON, and well-formed messages with
 * random contents. Every draw comes from fast-check with its own seed, so a run is described by its first seed.
 */
import fc from 'fast-check';
import { encodeFrame } from '../../common/frame-encoder.js';
import { peerMessages } from '../../common/wire/peer-messages.js';
import { serverMessages } from '../../common/wire/server-messages.js';
import { peerBodies, serverBodies, taggedArb } from './wire-arbitraries.js';
import { hostileJson, mutate, mutationArb, violate } from './wire-properties.js';

export type Protocol = 'server' | 'peer';

export const ATTACKS = [
  'random-bytes',
  'truncated',
  'oversized-length',
  'zero-length',
  'unknown-type',
  'schema-violation',
  'mutated-recording',
  'deep-json',
  'random-valid',
] as const;
export type Attack = (typeof ATTACKS)[number];

/** One hostile send: the bytes, what they were made from, and whether the sender ends its side after them. */
export interface HostileSend {
  attack: Attack;
  /** The message kind the bytes were made from (or `-`). */
  kind: string;
  bytes: Buffer;
  end: boolean;
}

/**
 * `stop-all` is left out of what is sent: any member may ask the whole mesh to leave (docs/CONTRACT.md "Peer
 * commands"), so a well-formed one would end the run rather than test anything.
 */
const EXCLUDED: Record<Protocol, string[]> = { server: ['stop-all'], peer: ['stop-all'] };

function bodiesOf(protocol: Protocol): Record<string, fc.Arbitrary<unknown>> {
  const all = (protocol === 'server' ? serverBodies : peerBodies) as Record<string, fc.Arbitrary<unknown>>;
  return Object.fromEntries(Object.entries(all).filter(([k]) => !EXCLUDED[protocol].includes(k)));
}

function typeOf(protocol: Protocol, kind: string): number {
  return protocol === 'server' ? serverMessages.typeOf(kind as never) : peerMessages.typeOf(kind as never);
}

function encode(protocol: Protocol, kind: string, body: unknown): Buffer {
  return protocol === 'server'
    ? serverMessages.encode(kind as never, body as never)
    : peerMessages.encode(kind as never, body as never);
}

const USED_TYPES: Record<Protocol, Set<number>> = {
  server: new Set(Array.from({ length: 15 }, (_, i) => i + 1)),
  peer: new Set([1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 20]),
};

/** Draws values from fast-check arbitraries, one seed after another from `seed`. */
export class Draw {
  constructor(private seed: number) {}
  one<T>(arb: fc.Arbitrary<T>): T {
    return fc.sample(arb, { numRuns: 1, seed: this.seed++ })[0]!;
  }
  int(min: number, max: number): number {
    return this.one(fc.integer({ min, max }));
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
}

/** Makes one hostile send of the given attack for a protocol; `recorded` holds real frames seen on the wire. */
export function hostile(draw: Draw, protocol: Protocol, attack: Attack, recorded: Buffer[]): HostileSend {
  const bodies = bodiesOf(protocol);
  switch (attack) {
    case 'random-bytes':
      return {
        attack,
        kind: '-',
        bytes: Buffer.from(draw.one(fc.uint8Array({ minLength: 1, maxLength: 2048 }))),
        end: false,
      };
    case 'truncated': {
      const frame = draw.pick(recorded);
      return {
        attack,
        kind: kindOf(protocol, frame),
        bytes: frame.subarray(0, draw.int(1, frame.length - 1)),
        end: true,
      };
    }
    case 'oversized-length': {
      const head = Buffer.alloc(5);
      head.writeUInt32BE(draw.int(1024 * 1024 + 1, 0xffffffff));
      head[4] = draw.int(0, 255);
      return { attack, kind: '-', bytes: Buffer.concat([head, Buffer.alloc(draw.int(0, 64), 0x7b)]), end: false };
    }
    case 'zero-length':
      return { attack, kind: '-', bytes: Buffer.alloc(4 + draw.int(0, 8)), end: false };
    case 'unknown-type': {
      let type = draw.int(0, 255);
      while (USED_TYPES[protocol].has(type)) type = (type + 16) % 256;
      return { attack, kind: `type ${type}`, bytes: encodeFrame(type, Buffer.from('{}')), end: false };
    }
    case 'schema-violation': {
      const msg = draw.one(taggedArb(bodies));
      const how = draw.pick(['replace', 'remove', 'add'] as const);
      const body = violate(msg.body, draw.one(fc.array(fc.nat(), { maxLength: 4 })), draw.one(hostileJson), how);
      const json = Buffer.from(JSON.stringify(body) ?? 'null');
      return { attack, kind: msg.kind, bytes: encodeFrame(typeOf(protocol, msg.kind), json), end: false };
    }
    case 'mutated-recording': {
      const frame = draw.pick(recorded);
      const mutations = draw.one(fc.array(mutationArb, { minLength: 1, maxLength: 4 }));
      // Half keep a consistent length prefix (the body is what is hostile), half mutate the header too.
      const bytes = draw.int(0, 1)
        ? encodeFrame(frame[4]!, mutate(frame.subarray(5), mutations))
        : mutate(frame, mutations);
      if (bytes.length >= 5 && EXCLUDED[protocol].some((k) => typeOf(protocol, k) === bytes[4])) bytes[4] = 0xee;
      return { attack, kind: kindOf(protocol, frame), bytes, end: false };
    }
    case 'deep-json': {
      const depth = draw.int(1000, 500_000);
      const kind = draw.pick(Object.keys(bodies));
      const open = draw.pick(['[', '{"a":']);
      const text = open.repeat(depth) + '1' + (open === '[' ? ']' : '}').repeat(depth);
      return {
        attack,
        kind,
        bytes: encodeFrame(typeOf(protocol, kind), Buffer.from(text.slice(0, 1024 * 1024 - 1))),
        end: false,
      };
    }
    case 'random-valid': {
      const msg = draw.one(taggedArb(bodies));
      return { attack, kind: msg.kind, bytes: encode(protocol, msg.kind, msg.body), end: false };
    }
  }
}

function kindOf(protocol: Protocol, frame: Buffer): string {
  const type = frame[4];
  const table = protocol === 'server' ? serverMessages : peerMessages;
  const names =
    protocol === 'server' ? Object.keys(serverBodies) : [...Object.keys(peerBodies), 'piece', 'mirror-batch'];
  return names.find((k) => table.typeOf(k as never) === type) ?? `type ${type}`;
}
