/**
 * A second, independent statement of every message's shape (docs/PROTOCOL.md), written without common/schema.ts:
 * whatever a decoder accepts must satisfy it, so a gap in the schema shows up as a disagreement between the two.
 */
type Rule = (v: unknown) => boolean;

const isStr =
  (min: number, max: number, re?: RegExp): Rule =>
  (v) =>
    typeof v === 'string' && v.length >= min && v.length <= max && (!re || re.test(v));
const isInt =
  (min: number, max: number): Rule =>
  (v) =>
    typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;
const isList =
  (item: Rule, max: number): Rule =>
  (v) =>
    Array.isArray(v) && v.length <= max && v.every(item);
/** An object with exactly these keys (those marked optional may be absent), each satisfying its rule. */
const isObj =
  (rules: Record<string, Rule>, optional: string[] = []): Rule =>
  (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
    const rec = v as Record<string, unknown>;
    if (Object.keys(rec).some((k) => !(k in rules))) return false;
    return Object.entries(rules).every(([k, rule]) => (k in rec ? rule(rec[k]) : optional.includes(k)));
  };

const SAFE = Number.MAX_SAFE_INTEGER;
const name = isStr(1, 32, /^[A-Za-z0-9_-]+$/);
const id = isStr(8, 64, /^[A-Za-z0-9_-]+$/);
const rid = isStr(1, 64, /^[A-Za-z0-9_-]+$/);
const host = isStr(1, 255, /^[A-Za-z0-9._:%-]+$/);
const port = isInt(1, 65535);
const sha = isStr(64, 64, /^[0-9a-f]+$/);
const b64 = isStr(0, 349528, /^[A-Za-z0-9+/]*={0,2}$/);
const file = isStr(1, 255);
const hops = isInt(0, 32);
const nat = isInt(0, SAFE);
const reason = isStr(0, 200);
const names = isList(name, 256);
const peerRef = isObj({ name, id, host, port });
const peerInfo = isObj({ name, id, host, port, neighbours: names });
const pieces = isList(isInt(0, 8191), 256);
const indexed = { name: file, size: nat, sha256: sha };

export const peerInvariants: Record<string, Rule> = {
  hello: isObj({ name, id, host, port, neighbours: names }),
  ping: isObj({ n: nat }),
  pong: isObj({ n: nat }),
  query: isObj({ qid: id, file, hops, origin: peerRef, trace: isObj({ us: isInt(0, 600_000_000) }) }, ['trace']),
  'trace-step': isObj({
    qid: id,
    peer: name,
    from: name,
    hops,
    action: (v) => ['forwarded', 'duplicate', 'answered', 'expired'].includes(v as string),
    us: isInt(0, 600_000_000),
    to: isInt(0, 256),
    key: isStr(44, 44, /^[A-Za-z0-9+/]{43}=$/),
    sig: isStr(88, 88, /^[A-Za-z0-9+/]{86}==$/),
  }),
  'topo-query': isObj({ qid: id, hops, origin: peerRef }),
  'topo-reply': isObj({ qid: id, peer: peerInfo }),
  'stop-all': isObj({ qid: id, by: name }),
  bye: isObj({ reason }),
  offer: isObj(
    {
      qid: id,
      file,
      size: nat,
      sha256: sha,
      pieceSize: isInt(1, 64 * 1024 * 1024),
      pieces: b64,
      prefixes: b64,
      from: peerRef,
      have: isStr(0, 1368, /^[A-Za-z0-9+/]*={0,2}$/),
    },
    ['have'],
  ),
  fetch: isObj({ qid: id, file, sha256: (v) => v === '' || sha(v), from: peerRef }),
  want: isObj({ qid: id, pieces }),
  cancel: isObj({ qid: id, pieces }),
  decline: isObj({ qid: id, reason }),
  have: isObj({ qid: id, pieces }),
  peers: isObj({ qid: id, peers: isList(peerRef, 8) }),
  result: isObj({ qid: id, ok: (v) => typeof v === 'boolean', reason }),
  piece: (v) => {
    const p = v as { index: unknown; data: unknown };
    return isInt(0, 0xffffffff)(p.index) && Buffer.isBuffer(p.data);
  },
  'custody-offer': isObj({ owner: peerRef, files: isList(isObj({ name: file, size: nat, sha256: sha }), 2000) }),
  'custody-result': isObj({
    files: isList(isObj({ sha256: sha, ok: (v) => typeof v === 'boolean', reason: isStr(0, 200) }), 2000),
  }),
  'custody-return': isObj({ custodian: peerRef, files: isList(isObj({ name: file, size: nat, sha256: sha }), 2000) }),
  'custody-released': isObj({ files: isList(sha, 2000) }),
  'mirror-since': isObj({ epoch: isStr(0, 64, /^[A-Za-z0-9_-]*$/), seq: nat, from: peerRef }),
  'mirror-changes': isObj({
    epoch: id,
    seq: nat,
    full: (v) => typeof v === 'boolean',
    files: isList(isObj({ path: isStr(1, 1024), size: nat, sha256: sha, mtime: nat, seq: nat }), 1000),
    deleted: isList(isObj({ path: isStr(1, 1024), seq: nat }), 1000),
    more: (v) => typeof v === 'boolean',
  }),
  'mirror-changed': isObj({ epoch: id, seq: nat }),
  'mirror-get': isObj({ n: isInt(1, 0xffff_ffff), path: isStr(1, 1024), sha256: sha, offset: nat }),
  'mirror-file': isObj({ n: isInt(1, 0xffff_ffff), ok: (v) => typeof v === 'boolean', size: nat, reason }),
  'mirror-gets': isObj({ n: isInt(1, 0xffff_ffff), files: isList(isObj({ path: isStr(1, 1024), sha256: sha }), 256) }),
  'mirror-batch': (v) => {
    const files = (v as { files: unknown }).files;
    return (
      Array.isArray(files) &&
      files.length >= 1 &&
      files.length <= 256 &&
      files.every((f: { n: unknown; data: unknown }) => isInt(1, 0xffffffff)(f.n) && Buffer.isBuffer(f.data))
    );
  },
};

export const serverInvariants: Record<string, Rule> = {
  join: isObj({ flag: isStr(0, 16), name: isStr(0, 64), id, host, port, version: isInt(0, 1000) }, ['port']),
  welcome: isObj({ port, referrals: isList(peerRef, 256), peers: isInt(0, 100_000) }),
  refused: isObj({ code: isStr(0, 64), reason: isStr(0, 500) }),
  'port-busy': isObj({ port }),
  listening: isObj({ port, neighbours: names }),
  heartbeat: isObj({ neighbours: names, room: nat }, ['room']),
  'heartbeat-ack': isObj({ peers: isInt(0, 100_000), link: isList(peerRef, 256) }),
  leave: isObj({ reason }),
  'peers-request': isObj({ rid }),
  peers: isObj({ rid, peers: isList(peerInfo, 256) }),
  'stop-all': isObj({ by: name }),
  stop: isObj({ reason }),
  index: isObj({ files: isList(isObj(indexed), 2000) }),
  'files-request': isObj({
    rid,
    mode: (v) => v === 'all' || v === 'substring' || v === 'name',
    pattern: isStr(0, 255),
  }),
  files: isObj({ rid, entries: isList(isObj({ ...indexed, holders: isList(peerRef, 256) }), 5000) }),
  'custody-request': isObj({ rid }),
  'custody-plan': isObj({ rid, files: isList(isObj(indexed), 2000), custodian: peerRef, reason: isStr(0, 300) }, [
    'custodian',
  ]),
  // The list's own shape is checked by the peer after its signature (peer/trust/trust-list.ts).
  trust: isObj({
    list: isStr(2, 950_000),
    signature: (v) => typeof v === 'string' && v.length >= 1 && v.length <= 128 && /^[A-Za-z0-9+/=]+$/.test(v),
  }),
};
