/**
 * The secure step on loopback sockets (common/mesh-tls.ts): the right key gets through, a wrong key, no key and a
 * mode mismatch are each told apart, and the key file is created owner-only (common/mesh-key.ts).
 */
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createMeshKey, generateMeshKey, loadMeshKey, loadOrCreateMeshKey, MeshKeyError } from '../mesh-key.js';
import {
  keyedMesh,
  MeshHandshakeError,
  OPEN_MESH,
  secureAccepted,
  secureDialled,
  type HandshakeFailure,
  type MeshMode,
} from '../mesh-tls.js';

const KEY = keyedMesh(generateMeshKey());
const OTHER = keyedMesh(generateMeshKey());

/** Runs one connection: the acceptor with `server`, the dialler with `client`; each side's outcome. */
async function meet(server: MeshMode, client: MeshMode, reply?: Buffer) {
  const outcome = (p: Promise<Duplex>) =>
    p.then(
      (stream) => stream,
      (err: unknown) => (err instanceof MeshHandshakeError ? err.failure : `other: ${String(err)}`),
    );
  let accepted: Promise<Duplex | string> | undefined;
  const listener = createServer((socket: Socket) => {
    accepted = outcome(secureAccepted(socket, server, reply ? { mismatchReply: reply } : {}));
  });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const socket = connect((listener.address() as { port: number }).port, '127.0.0.1');
  await once(socket, 'connect');
  const dialled = await outcome(secureDialled(socket, client));
  // An open dialler has nothing to wait for: it speaks first.
  if (!client.keyed && typeof dialled !== 'string') dialled.write(Buffer.from([0, 0, 0, 3, 1, 0x7b, 0x7d]));
  while (!accepted) await new Promise((r) => setTimeout(r, 5));
  const acceptedOutcome = await accepted;
  listener.close();
  return { dialled, accepted: acceptedOutcome };
}

function failure(x: Duplex | string): HandshakeFailure | string {
  if (typeof x === 'string') return x;
  x.destroy();
  return 'ok';
}

test('the same key: both ends get a TLS 1.3 stream with a SHA-256 suite, and bytes flow', async () => {
  const { dialled, accepted } = await meet(KEY, KEY);
  assert.instance(dialled, TLSSocket);
  assert.instance(accepted, TLSSocket);
  const a = dialled as TLSSocket;
  const b = accepted as TLSSocket;
  assert.is(a.getProtocol(), 'TLSv1.3');
  assert.match(a.getCipher().name, /^TLS_(AES_128_GCM|CHACHA20_POLY1305)_SHA256$/);
  assert.not.ok(a.getPeerCertificate() && Object.keys(a.getPeerCertificate()).length > 0, 'no certificate');
  assert.equal(
    a.exportKeyingMaterial(32, 'test', Buffer.alloc(0)),
    b.exportKeyingMaterial(32, 'test', Buffer.alloc(0)),
  );
  a.write('hello');
  const [chunk] = (await once(b, 'data')) as [Buffer];
  assert.is(chunk.toString(), 'hello');
  a.destroy();
  b.destroy();
});

test('a wrong key fails the handshake on both ends, told as a wrong key', async () => {
  const { dialled, accepted } = await meet(KEY, OTHER);
  assert.is(failure(dialled), 'wrong-key');
  assert.is(failure(accepted), 'wrong-key');
});

test('plain bytes at a keyed acceptor are refused as no key, and get only the mismatch reply', async () => {
  const reply = Buffer.from('keyed here');
  const { dialled, accepted } = await meet(KEY, OPEN_MESH, reply);
  assert.is(failure(accepted), 'no-key');
  const stream = dialled as Duplex;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  await once(stream, 'close');
  assert.is(Buffer.concat(chunks).toString(), 'keyed here');
});

test('a keyed dialler at an open acceptor learns that the far end is open; the acceptor that it is keyed', async () => {
  const { dialled, accepted } = await meet(OPEN_MESH, KEY, Buffer.from([0, 0, 0, 3, 3, 0x7b, 0x7d]));
  assert.is(failure(dialled), 'far-end-open');
  assert.is(failure(accepted), 'far-end-keyed');
});

test('open on both ends is plain TCP', async () => {
  const { dialled, accepted } = await meet(OPEN_MESH, OPEN_MESH);
  assert.not.instance(dialled, TLSSocket);
  assert.not.instance(accepted, TLSSocket);
  failure(dialled);
  failure(accepted);
});

test('the key file: created 0600 with 64 hex digits, loaded back, never overwritten; a missing one is told', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-key-'));
  try {
    const path = join(dir, 'state', 'mesh.key');
    assert.throws(
      () => loadMeshKey(path),
      (e: unknown) => e instanceof MeshKeyError && e.problem === 'missing',
    );
    const first = loadOrCreateMeshKey(path);
    assert.ok(first.created);
    assert.is(statSync(path).mode & 0o777, 0o600);
    assert.match(readFileSync(path, 'utf8'), /^[0-9a-f]{64}\n$/);
    const again = loadOrCreateMeshKey(path);
    assert.not.ok(again.created);
    assert.equal(again.key, first.key);
    assert.throws(() => createMeshKey(path), /EEXIST/);
    writeFileSync(path, 'a passphrase\n');
    assert.throws(() => loadMeshKey(path), /is not a mesh key/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
