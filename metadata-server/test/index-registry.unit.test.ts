import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_INDEXED_FILES, type IndexedFile } from '../../common/wire/server-messages.js';
import {
  DEFAULT_INDEX_BYTES_PER_PEER,
  INDEX_ENTRY_FIXED_BYTES,
  INDEX_HEADER_BYTES,
  decodeIndex,
  encodeIndex,
  encodedIndexBytes,
} from '../index-region.js';
import type { RegistryResult } from '../registry-protocol.js';
import { SharedRegistry } from '../shared-registry.js';
import { RegistryFixture, outcome } from './registry-fixture.js';

function sha(n: number): string {
  return n.toString(16).padStart(64, '0');
}

function files(...names: string[]): IndexedFile[] {
  return names.map((name, i) => ({ name, size: 1000 + i, sha256: sha(i + 1) }));
}

/** What `files-request all` answers to connection `connId`: [name, holder names] per entry. */
function listing(f: RegistryFixture, connId: number): [string, string[]][] {
  const result = f.send(connId, 'files-request', { rid: 'q', mode: 'all', pattern: '' });
  if (result.reply?.kind !== 'files') throw new Error(`no files answer: ${JSON.stringify(result.reply)}`);
  return result.reply.body.entries.map((e) => [e.name, e.holders.map((h) => h.name)]);
}

function reason(result: RegistryResult): string {
  return result.reply?.kind === 'refused' ? result.reply.body.reason : '';
}

test('the encoding round-trips names, sizes and hashes, and takes 42 bytes plus the UTF-8 name per file', () => {
  const list: IndexedFile[] = [
    { name: 'a', size: 0, sha256: sha(1) },
    { name: 'Été — 夏.mp3', size: Number.MAX_SAFE_INTEGER, sha256: 'f'.repeat(64) },
    { name: 'emoji 🎵 \u0000 "quoted"', size: 123_456_789_012, sha256: sha(0xabc) },
  ];
  const bytes = encodeIndex(list);
  assert.is(bytes.length, encodedIndexBytes(list));
  assert.is(
    encodedIndexBytes(list),
    3 * INDEX_ENTRY_FIXED_BYTES + 1 + Buffer.byteLength(list[1]!.name) + Buffer.byteLength(list[2]!.name),
  );
  assert.equal(decodeIndex(bytes), list);
  assert.equal(decodeIndex(encodeIndex([])), []);
});

test('the default region holds exactly 2000 files with 255-byte names', () => {
  assert.is(DEFAULT_INDEX_BYTES_PER_PEER, INDEX_HEADER_BYTES + MAX_INDEXED_FILES * (INDEX_ENTRY_FIXED_BYTES + 255));
  const registry = SharedRegistry.create({ slots: 2, portLow: 30000, portHigh: 30009 });
  const full = Array.from({ length: MAX_INDEXED_FILES }, (_, i) => ({
    name: `${i}`.padEnd(255, 'x'),
    size: i,
    sha256: sha(i),
  }));
  assert.equal(registry.index.write(1, full), { ok: true, bytes: DEFAULT_INDEX_BYTES_PER_PEER - INDEX_HEADER_BYTES });
  assert.is(registry.index.count(1), MAX_INDEXED_FILES);
  assert.equal(
    decodeIndex(SharedRegistry.attach(registry.buffer).index.copy(1)),
    full,
    'another view of the buffer reads it back',
  );
  assert.is(registry.index.count(0), 0, 'the neighbouring slot is untouched');
  const oneByteMore = [...full.slice(1), { name: 'é'.padEnd(255, 'x'), size: 1, sha256: sha(1) }];
  const refused = registry.index.write(1, oneByteMore);
  assert.ok(
    !refused.ok && /takes 594001 bytes but the metadata server keeps at most 594000 per peer/.test(refused.reason),
  );
  assert.equal(decodeIndex(registry.index.copy(1)), full, 'a refused write leaves the region as it was');
});

test('the index region size must be a multiple of 8', () => {
  assert.throws(
    () => SharedRegistry.create({ slots: 1, portLow: 30000, portHigh: 30000, indexBytesPerSlot: 100 }),
    /multiple of 8/,
  );
  assert.throws(
    () => SharedRegistry.create({ slots: 1, portLow: 30000, portHigh: 30000, indexBytesPerSlot: 0 }),
    /multiple of 8/,
  );
});

test('an index replaces what the peer said before; it is not merged', () => {
  const f = new RegistryFixture();
  f.joinLive(1, 's1');
  const first = f.send(1, 'index', { files: files('a.txt', 'b.txt') });
  assert.is(outcome(first), 'no reply');
  assert.equal(first.logs, ['s1 now holds 2 files']);
  assert.equal(listing(f, 1), [
    ['a.txt', ['s1']],
    ['b.txt', ['s1']],
  ]);
  assert.equal(f.send(1, 'index', { files: files('c.txt') }).logs, ['s1 now holds 1 file']);
  assert.equal(listing(f, 1), [['c.txt', ['s1']]]);
  f.send(1, 'index', { files: [] });
  assert.equal(listing(f, 1), []);
});

test('a joining peer may send its index; its files are listed once it is live', () => {
  const f = new RegistryFixture();
  f.joinLive(1, 's1');
  const welcome = f.join(2, 's2');
  assert.ok(welcome.reply?.kind === 'welcome');
  assert.equal(f.send(2, 'index', { files: files('early.bin') }).logs, ['s2 now holds 1 file']);
  assert.equal(listing(f, 1), [], 'not listed while joining');
  f.send(2, 'listening', { port: welcome.reply.body.port, neighbours: ['s1'] });
  assert.equal(listing(f, 1), [['early.bin', ['s2']]]);
});

test('holders are every live peer holding the same name and content, with where to reach them', () => {
  const f = new RegistryFixture();
  const s1 = f.joinLive(1, 's1');
  f.joinLive(2, 's2');
  f.send(2, 'index', { files: files('shared.iso') });
  f.send(1, 'index', { files: files('shared.iso', 'mine.txt') });
  const answer = f.send(2, 'files-request', { rid: 'r-9', mode: 'name', pattern: 'shared' });
  assert.ok(answer.reply?.kind === 'files');
  assert.is(answer.reply.body.rid, 'r-9');
  assert.equal(answer.reply.body.entries.length, 1);
  const entry = answer.reply.body.entries[0]!;
  assert.equal([entry.name, entry.size, entry.sha256], ['shared.iso', 1000, sha(1)]);
  assert.equal(
    entry.holders.map((h) => h.name),
    ['s1', 's2'],
  );
  assert.equal(entry.holders[0], { name: 's1', id: 'id-of-s1-1', host: '127.0.0.1', port: s1.port });
});

test('files are forgotten when the peer leaves, dies or is swept, and a re-join starts empty', () => {
  const f = new RegistryFixture();
  f.joinLive(1, 'watcher');
  for (const [conn, name] of [
    [2, 'leaver'],
    [3, 'dead'],
    [4, 'quiet'],
  ] as const) {
    f.joinLive(conn, name);
    f.send(conn, 'index', { files: files(`${name}.txt`) });
  }
  assert.equal(
    listing(f, 1).map(([n]) => n),
    ['dead.txt', 'leaver.txt', 'quiet.txt'],
  );
  const slots = [2, 3, 4].map((conn) => f.registry.findByConn(conn));
  const stored = () => slots.map((s) => f.registry.index.count(s));
  assert.equal(stored(), [1, 1, 1]);
  f.send(2, 'leave', { reason: 'bye' });
  assert.equal(
    listing(f, 1).map(([n]) => n),
    ['dead.txt', 'quiet.txt'],
    'gone at once after leave',
  );
  f.service.handle({ op: 'disconnect', connId: 3, reason: 'connection closed' });
  assert.equal(
    listing(f, 1).map(([n]) => n),
    ['quiet.txt'],
    'gone at once after its connection dropped',
  );
  f.clock += 6000;
  f.send(1, 'heartbeat', { neighbours: [] });
  assert.equal(f.service.handle({ op: 'sweep' }).close, [4]);
  assert.equal(listing(f, 1), [], 'gone once swept');
  assert.equal(stored(), [0, 0, 0], 'the freed regions are emptied, not only hidden');
  f.joinLive(5, 'leaver');
  assert.equal(listing(f, 1), [], 'a new registration in a freed slot inherits nothing');
});

test('a stale registration replaced by the same peer on a new connection starts with no files', () => {
  const f = new RegistryFixture();
  f.joinLive(1, 'watcher');
  const first = f.join(2, 's1', { id: 'persistent-id-1' });
  assert.ok(first.reply?.kind === 'welcome');
  f.send(2, 'listening', { port: first.reply.body.port, neighbours: [] });
  f.send(2, 'index', { files: files('old.txt') });
  const again = f.join(3, 's1', { id: 'persistent-id-1', port: first.reply.body.port });
  assert.ok(again.reply?.kind === 'welcome');
  f.send(3, 'listening', { port: again.reply.body.port, neighbours: [] });
  assert.equal(listing(f, 1), [], 'the peer must send its index again');
});

test('an index too big for the region is refused with the sizes, and the peer is dropped', () => {
  const room = INDEX_HEADER_BYTES + 2 * (INDEX_ENTRY_FIXED_BYTES + 10);
  const f = new RegistryFixture({ indexBytesPerSlot: Math.ceil(room / 8) * 8 });
  f.joinLive(1, 'watcher');
  f.joinLive(2, 'big');
  assert.is(
    outcome(f.send(2, 'index', { files: files('0123456789', 'abcdefghij') })),
    'no reply',
    'two 10-byte names fit',
  );
  const refused = f.send(2, 'index', { files: files('a', 'b', 'c') });
  assert.is(outcome(refused), 'P2P_ERR_BAD_MESSAGE');
  assert.ok(refused.end, 'the connection is ended');
  assert.match(
    reason(refused),
    /^an index of 3 files takes 129 bytes but the metadata server keeps at most 1\d\d per peer/,
  );
  assert.match(refused.logs[0]!, /^refused "big": P2P_ERR_BAD_MESSAGE: an index of 3 files/);
  assert.is(f.registry.findByName('big'), -1, 'its slot is freed');
  assert.equal(listing(f, 1), [], 'and nothing of it is listed');
});

test('a name that is not valid Unicode is refused rather than stored altered', () => {
  const f = new RegistryFixture();
  f.joinLive(1, 's1');
  const refused = f.send(1, 'index', { files: files('ok.txt', 'bad\ud800.txt') });
  assert.is(outcome(refused), 'P2P_ERR_BAD_MESSAGE');
  assert.match(reason(refused), /not valid Unicode/);
});

test('index and files-request before join are refused as unexpected', () => {
  const f = new RegistryFixture();
  assert.is(outcome(f.send(9, 'index', { files: files('a') })), 'P2P_ERR_UNEXPECTED_MESSAGE');
  const early = f.send(9, 'files-request', { rid: 'r', mode: 'all', pattern: '' });
  assert.is(outcome(early), 'P2P_ERR_UNEXPECTED_MESSAGE');
  assert.match(reason(early), /send join first/);
});

test('a files answer is cut to the reply frame limit', () => {
  const f = new RegistryFixture({ maxReplyFrameBytes: 2000 });
  f.joinLive(1, 's1');
  f.send(1, 'index', { files: files(...Array.from({ length: 100 }, (_, i) => `file-${String(i).padStart(3, '0')}`)) });
  const answer = f.send(1, 'files-request', { rid: 'r', mode: 'all', pattern: '' });
  assert.ok(answer.reply?.kind === 'files');
  const entries = answer.reply.body.entries;
  assert.ok(entries.length > 0 && entries.length < 100, `cut to ${entries.length}`);
  assert.is(entries[0]!.name, 'file-000');
  assert.ok(1 + Buffer.byteLength(JSON.stringify(answer.reply.body)) <= 2000);
});

test.run();
