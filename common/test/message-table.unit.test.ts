import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameDecoder } from '../frame-decoder.js';
import { encodeFrame } from '../frame-encoder.js';
import { codeOf } from './error-code.js';
import { peerMessages } from '../wire/peer-messages.js';
import { serverMessages } from '../wire/server-messages.js';

const decodeOne = (buf: Buffer) => {
  const [f] = new FrameDecoder().push(buf);
  return serverMessages.decode(f!);
};

test('round-trips a join through encode and decode', () => {
  const body = { flag: 'p2p', name: 's1', id: 'abcdefghijkl', host: '127.0.0.1', port: 7001, version: 1 };
  const msg = decodeOne(serverMessages.encode('join', body));
  assert.is(msg.kind, 'join');
  assert.equal(msg.body, body);
});

test('drops fields the schema does not know', () => {
  const raw = { rid: 'abc', peers: [], extra: 'x'.repeat(10) };
  const msg = decodeOne(encodeFrame(serverMessages.typeOf('peers'), Buffer.from(JSON.stringify(raw))));
  assert.equal(msg.body, { rid: 'abc', peers: [] });
});

test('refuses an unknown type byte', () => {
  assert.is(
    codeOf(() => decodeOne(encodeFrame(200, Buffer.from('{}')))),
    'P2P_ERR_UNKNOWN_TYPE',
  );
});

test('refuses a payload that is not JSON', () => {
  assert.is(
    codeOf(() => decodeOne(encodeFrame(1, Buffer.from('{not json')))),
    'P2P_ERR_BAD_MESSAGE',
  );
});

test('refuses wrong types, out-of-range numbers and oversized lists', () => {
  const type = serverMessages.typeOf('welcome');
  const bad = [
    { port: '7001', referrals: [], peers: 1 },
    { port: 70000, referrals: [], peers: 1 },
    { port: 7001, referrals: 'none', peers: 1 },
    {
      port: 7001,
      referrals: Array.from({ length: 300 }, () => ({ name: 's1', id: 'abcdefgh', host: 'h', port: 1 })),
      peers: 1,
    },
    [1, 2, 3],
  ];
  for (const body of bad) {
    assert.is(
      codeOf(() => decodeOne(encodeFrame(type, Buffer.from(JSON.stringify(body))))),
      'P2P_ERR_BAD_MESSAGE',
      JSON.stringify(body).slice(0, 60),
    );
  }
});

test('checks names, ids and hashes inside peer messages', () => {
  const decode = (kind: 'query' | 'offer', body: unknown) => () =>
    peerMessages.decode(
      new FrameDecoder({ maxFrameBytes: 4 << 20 }).push(
        encodeFrame(peerMessages.typeOf(kind), Buffer.from(JSON.stringify(body))),
      )[0]!,
    );
  const origin = { name: 's1', id: 'abcdefghij', host: '127.0.0.1', port: 7001 };
  assert.not.throws(decode('query', { qid: 'q'.repeat(21), file: 'a.txt', hops: 7, origin }));
  assert.is(codeOf(decode('query', { qid: 'q'.repeat(21), file: 'a.txt', hops: 99, origin })), 'P2P_ERR_BAD_MESSAGE');
  assert.is(
    codeOf(decode('query', { qid: 'q'.repeat(21), file: 'a.txt', hops: 7, origin: { ...origin, name: 'bad name' } })),
    'P2P_ERR_BAD_MESSAGE',
  );
  assert.is(
    codeOf(
      decode('offer', {
        qid: 'q'.repeat(21),
        file: 'a',
        size: 1,
        sha256: 'XYZ',
        pieceSize: 1,
        digests: '',
        from: origin,
      }),
    ),
    'P2P_ERR_BAD_MESSAGE',
  );
});

test('pieces are binary: index and data survive a round trip', () => {
  const data = Buffer.from([0, 1, 2, 255]);
  const [f] = new FrameDecoder().push(peerMessages.encode('piece', { index: 42, data }));
  const msg = peerMessages.decode(f!);
  assert.is(msg.kind, 'piece');
  if (msg.kind === 'piece') {
    assert.is(msg.body.index, 42);
    assert.ok(msg.body.data.equals(data));
  }
});

test('refuses deep nesting before parsing it, quickly, and counts no brackets inside strings', () => {
  const type = serverMessages.typeOf('peers');
  const deep = Buffer.from('{"rid":"a","peers":' + '['.repeat(500_000) + ']'.repeat(500_000) + '}');
  const started = performance.now();
  assert.is(
    codeOf(() => decodeOne(encodeFrame(type, deep))),
    'P2P_ERR_BAD_MESSAGE',
  );
  assert.ok(performance.now() - started < 50, 'refused without parsing');
  const quoted = { reason: '[[[[[[[[[[[[[[[[[[[[[[[[[\\"{{{{{{{{{{{{{{{{{{{{{{' };
  const [frame] = new FrameDecoder().push(peerMessages.encode('bye', quoted));
  assert.equal(peerMessages.decode(frame!).body, quoted);
});

test.run();
