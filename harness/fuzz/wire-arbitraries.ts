/**
 * Generators of valid messages for both protocols (common/wire/peer-messages.ts, common/wire/server-messages.ts):
 * every field within its documented bounds (docs/PROTOCOL.md), including names in any script and lone surrogates
 * where a field is free text.
 */
import fc from 'fast-check';
import type { PeerMessages } from '../../common/wire/peer-messages.js';
import type { ServerMessages } from '../../common/wire/server-messages.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const fromChars = (chars: string, min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...chars), minLength: min, maxLength: max });

export const nameArb = fromChars(ALNUM + '_-', 1, 32);
export const idArb = fromChars(ALNUM + '_-', 8, 64);
export const hostArb = fc.oneof(
  fc.constantFrom('127.0.0.1', '::1', 'fe80::1%eth0', 'localhost'),
  fromChars(ALNUM + '._:%-', 1, 255),
);
export const portArb = fc.integer({ min: 1, max: 65535 });
export const sha256Arb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));

/** One UTF-16 code unit or code point of any kind: ASCII, path characters, controls, combining marks, astral, lone surrogates. */
export const anyCharArb = fc.oneof(
  fc.constantFrom('a', 'Z', '.', '/', '\\', '\u0000', '\n', ' ', 'é', 'e\u0301', '名', '\u200b', '\ufeff', '😀'),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
);

/** Text of `min`..`max` UTF-16 code units, any characters. */
export function textArb(min: number, max: number): fc.Arbitrary<string> {
  return fc
    .oneof(
      fc.string({ unit: anyCharArb, minLength: min, maxLength: Math.max(min, Math.min(max, 40)) }),
      fc.string({ unit: anyCharArb, minLength: min, maxLength: max }),
    )
    .filter((s) => s.length >= min && s.length <= max);
}

const namesArb = fc.oneof(
  { weight: 9, arbitrary: fc.array(nameArb, { maxLength: 6 }) },
  { weight: 1, arbitrary: fc.array(nameArb, { minLength: 250, maxLength: 256 }) },
);
export const peerRefArb = fc.record({ name: nameArb, id: idArb, host: hostArb, port: portArb });
const peerInfoArb = fc.record({ name: nameArb, id: idArb, host: hostArb, port: portArb, neighbours: namesArb });
const natArb = fc.oneof(fc.nat(100), fc.maxSafeNat());
const reasonArb = textArb(0, 200);
const digestsArb = fc.uint8Array({ maxLength: 32 * 6 }).map((b) => Buffer.from(b).toString('base64'));
const pieceListArb = fc.array(fc.integer({ min: 0, max: 8191 }), { maxLength: 256 });
const custodyFileArb = fc.record({ name: textArb(1, 255), size: natArb, sha256: sha256Arb });

const mirrorEntryArb = fc.record({
  path: textArb(1, 1024),
  size: natArb,
  sha256: sha256Arb,
  mtime: natArb,
  seq: natArb,
});
const requestArb = fc.integer({ min: 1, max: 0xffff_ffff });

type Gen<M> = { [K in keyof M]: fc.Arbitrary<M[K]> };

/** Valid bodies of every JSON peer message (the binary `piece` and `mirror-batch` have their own properties). */
export const peerBodies: Omit<Gen<PeerMessages>, 'piece' | 'mirror-batch'> = {
  hello: fc.record({ name: nameArb, id: idArb, host: hostArb, port: portArb, neighbours: namesArb }),
  ping: fc.record({ n: natArb }),
  pong: fc.record({ n: natArb }),
  query: fc.record(
    {
      qid: idArb,
      file: textArb(1, 255),
      hops: fc.integer({ min: 0, max: 32 }),
      origin: peerRefArb,
      trace: fc.record({ us: fc.integer({ min: 0, max: 600_000_000 }) }),
    },
    { requiredKeys: ['qid', 'file', 'hops', 'origin'] },
  ),
  'topo-query': fc.record({ qid: idArb, hops: fc.integer({ min: 0, max: 32 }), origin: peerRefArb }),
  'topo-reply': fc.record({ qid: idArb, peer: peerInfoArb }),
  'trace-step': fc.record({
    qid: idArb,
    peer: nameArb,
    from: nameArb,
    hops: fc.integer({ min: 0, max: 32 }),
    action: fc.constantFrom('forwarded' as const, 'duplicate' as const, 'answered' as const, 'expired' as const),
    us: fc.integer({ min: 0, max: 600_000_000 }),
    to: fc.integer({ min: 0, max: 256 }),
    key: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('base64')),
    sig: fc.uint8Array({ minLength: 64, maxLength: 64 }).map((b) => Buffer.from(b).toString('base64')),
  }),
  'stop-all': fc.record({ qid: idArb, by: nameArb }),
  bye: fc.record({ reason: reasonArb }),
  offer: fc.record(
    {
      qid: idArb,
      file: textArb(1, 255),
      size: natArb,
      sha256: sha256Arb,
      pieceSize: fc.integer({ min: 1, max: 64 * 1024 * 1024 }),
      pieces: digestsArb,
      prefixes: digestsArb,
      from: peerRefArb,
      have: digestsArb,
    },
    { requiredKeys: ['qid', 'file', 'size', 'sha256', 'pieceSize', 'pieces', 'prefixes', 'from'] },
  ),
  fetch: fc.record({
    qid: idArb,
    file: textArb(1, 255),
    sha256: fc.oneof(sha256Arb, fc.constant('')),
    from: peerRefArb,
  }),
  want: fc.record({ qid: idArb, pieces: pieceListArb }),
  cancel: fc.record({ qid: idArb, pieces: pieceListArb }),
  decline: fc.record({ qid: idArb, reason: reasonArb }),
  have: fc.record({ qid: idArb, pieces: pieceListArb }),
  peers: fc.record({ qid: idArb, peers: fc.array(peerRefArb, { maxLength: 8 }) }),
  result: fc.record({ qid: idArb, ok: fc.boolean(), reason: reasonArb }),
  'custody-offer': fc.record({ owner: peerRefArb, files: fc.array(custodyFileArb, { maxLength: 5 }) }),
  'custody-result': fc.record({
    files: fc.array(fc.record({ sha256: sha256Arb, ok: fc.boolean(), reason: reasonArb }), { maxLength: 5 }),
  }),
  'custody-return': fc.record({ custodian: peerRefArb, files: fc.array(custodyFileArb, { maxLength: 5 }) }),
  'custody-released': fc.record({ files: fc.array(sha256Arb, { maxLength: 5 }) }),
  'mirror-since': fc.record({ epoch: fc.oneof(idArb, fc.constant('')), seq: natArb, from: peerRefArb }),
  'mirror-changes': fc.record({
    epoch: idArb,
    seq: natArb,
    full: fc.boolean(),
    files: fc.array(mirrorEntryArb, { maxLength: 5 }),
    deleted: fc.array(fc.record({ path: textArb(1, 1024), seq: natArb }), { maxLength: 5 }),
    more: fc.boolean(),
  }),
  'mirror-changed': fc.record({ epoch: idArb, seq: natArb }),
  'mirror-get': fc.record({ n: requestArb, path: textArb(1, 1024), sha256: sha256Arb, offset: natArb }),
  'mirror-file': fc.record({ n: requestArb, ok: fc.boolean(), size: natArb, reason: reasonArb }),
  'mirror-gets': fc.record({
    n: requestArb,
    files: fc.array(fc.record({ path: textArb(1, 1024), sha256: sha256Arb }), { maxLength: 5 }),
  }),
};

const ridArb = fromChars(ALNUM + '_-', 1, 64);
const indexedFileArb = fc.record({ name: textArb(1, 255), size: natArb, sha256: sha256Arb });

export const serverBodies: Gen<ServerMessages> = {
  join: fc.record(
    {
      flag: fc.oneof(fc.constantFrom('p2p', 'P2P'), textArb(0, 16)),
      name: fc.oneof(nameArb, textArb(0, 64)),
      id: idArb,
      host: hostArb,
      port: portArb,
      version: fc.integer({ min: 0, max: 1000 }),
    },
    { requiredKeys: ['flag', 'name', 'id', 'host', 'version'] },
  ),
  welcome: fc.record({
    port: portArb,
    referrals: fc.array(peerRefArb, { maxLength: 5 }),
    peers: fc.integer({ min: 0, max: 100_000 }),
  }),
  refused: fc.record({ code: textArb(0, 64), reason: textArb(0, 500) }),
  'port-busy': fc.record({ port: portArb }),
  listening: fc.record({ port: portArb, neighbours: namesArb }),
  heartbeat: fc.record({ neighbours: namesArb, room: natArb }, { requiredKeys: ['neighbours'] }),
  'heartbeat-ack': fc.record({
    peers: fc.integer({ min: 0, max: 100_000 }),
    link: fc.array(peerRefArb, { maxLength: 5 }),
  }),
  leave: fc.record({ reason: reasonArb }),
  'peers-request': fc.record({ rid: ridArb }),
  peers: fc.record({ rid: ridArb, peers: fc.array(peerInfoArb, { maxLength: 4 }) }),
  'stop-all': fc.record({ by: nameArb }),
  stop: fc.record({ reason: reasonArb }),
  index: fc.record({ files: fc.array(indexedFileArb, { maxLength: 8 }) }),
  'files-request': fc.record({
    rid: ridArb,
    mode: fc.constantFrom('all', 'substring', 'name'),
    pattern: textArb(0, 255),
  }),
  files: fc.record({
    rid: ridArb,
    entries: fc.array(
      fc.record({
        name: textArb(1, 255),
        size: natArb,
        sha256: sha256Arb,
        holders: fc.array(peerRefArb, { maxLength: 3 }),
      }),
      { maxLength: 4 },
    ),
  }),
  'custody-request': fc.record({ rid: ridArb }),
  'custody-plan': fc.record(
    { rid: ridArb, files: fc.array(indexedFileArb, { maxLength: 5 }), custodian: peerRefArb, reason: reasonArb },
    { requiredKeys: ['rid', 'files', 'reason'] },
  ),
  trust: fc.record({
    list: textArb(2, 400),
    signature: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b).toString('base64')),
  }),
};

/** A valid message of any kind of the given table: `{ kind, body }`. */
export function taggedArb<M extends object>(bodies: { [K in keyof M]: fc.Arbitrary<M[K]> }) {
  return fc.oneof(
    ...Object.entries(bodies).map(([kind, body]) =>
      (body as fc.Arbitrary<unknown>).map((b) => ({ kind: kind as keyof M & string, body: structuredClone(b) })),
    ),
  );
}
