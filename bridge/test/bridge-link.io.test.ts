/**
 * One bridge link (bridge/bridge-link.ts) over a real loopback socket pair standing in for a Noise stream (the
 * session hash and the public keys are attached as Hyperswarm's stream has them): the hello, a file carried and
 * verified, and a hostile far end (wrong key, a message before the hello, a wrong SHA-256, bytes beyond the size)
 * closing only its own link with nothing placed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bridgeKeys, helloProof } from '../bridge-keys.js';
import { BridgeLink, type BridgeLinkOptions } from '../bridge-link.js';
import { BRIDGE_MAX_FRAME_BYTES, BRIDGE_MESSAGES, type BridgeMessages } from '../bridge-messages.js';
import { FrameDecoder } from '../../common/frame-decoder.js';
import type { NoiseStream } from '../hyperswarm-engine.js';

const meshKey = randomBytes(32);
const keys = bridgeKeys(meshKey);

/** A connected socket pair with the Noise stream's properties: one session hash, a key for each end. */
async function pair(): Promise<[NoiseStream, NoiseStream]> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const accepted = new Promise<Socket>((r) => server.once('connection', r));
  const dialled = connect(port, '127.0.0.1');
  const [a, b] = [dialled, await accepted];
  server.close();
  const hash = randomBytes(64);
  const [ka, kb] = [randomBytes(32), randomBytes(32)];
  const noise = (s: Socket, own: Buffer, far: Buffer, isInitiator: boolean) =>
    Object.assign(s, { publicKey: own, remotePublicKey: far, handshakeHash: hash, isInitiator }) as NoiseStream;
  return [noise(a, ka, kb, true), noise(b, kb, ka, false)];
}

function options(dir: string, serve: BridgeLinkOptions['serve'] = async () => 'nothing here'): BridgeLinkOptions {
  return { helloTimeoutMs: 2000, maxFileBytes: 64 * 1024 * 1024, partialDir: join(dir, 'partial'), serve };
}

const up = (link: BridgeLink) => new Promise<void>((r) => link.once('up', r));
const closed = (link: BridgeLink) => new Promise<string>((r) => link.once('close', r));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('two ends with the mesh key prove it, and a file asked for arrives verified and is renamed into place', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bridge-link-'));
  try {
    const data = randomBytes(5 * 1024 * 1024 + 3);
    writeFileSync(join(dir, 'source.bin'), data);
    const [sa, sb] = await pair();
    const served = { path: join(dir, 'source.bin'), size: data.length, sha256: sha(data) };
    const near = new BridgeLink(sa, keys, options(dir));
    const far = new BridgeLink(
      sb,
      keys,
      options(dir, async (file) => (file === 'plans.bin' ? served : 'no')),
    );
    await Promise.all([up(near), up(far)]);
    const dest = join(dir, 'shared', 'plans.bin');
    const got = await near.request('plans.bin', dest, 10_000);
    assert.equal(got, { path: dest, size: data.length, sha256: sha(data) });
    assert.ok(readFileSync(dest).equals(data));
    assert.is(await near.request('other.bin', join(dir, 'shared', 'other.bin'), 10_000), `bridge ${near.remoteId}: no`);
    assert.equal(readdirSync(join(dir, 'partial')), []);
    const farClosed = closed(far);
    near.close();
    await farClosed;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a far end with another mesh key is closed after its hello, never up', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bridge-link-'));
  try {
    const [sa, sb] = await pair();
    const near = new BridgeLink(sa, keys, options(dir));
    const far = new BridgeLink(sb, bridgeKeys(randomBytes(32)), options(dir));
    let wentUp = false;
    near.on('up', () => (wentUp = true));
    far.on('up', () => (wentUp = true));
    const logs: string[] = [];
    near.on('log', (l) => logs.push(l));
    const [nearClosed, farClosed] = [closed(near), closed(far)];
    assert.is(await nearClosed, 'closed before its hello');
    assert.is(await farClosed, 'closed before its hello');
    assert.not.ok(wentUp);
    assert.ok(
      logs.some((l) => /does not prove the mesh key/.test(l)),
      logs.join('\n'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A hand-driven far end: raw frames on the socket, after a correct hello unless told otherwise. */
async function hostile(dir: string, hello = true) {
  const [sa, sb] = await pair();
  const near = new BridgeLink(sa, keys, options(dir));
  const logs: string[] = [];
  near.on('log', (l) => logs.push(l));
  if (hello) {
    const proof = helloProof(keys.helloKey, 'responder', sb.handshakeHash, sb.publicKey);
    sb.write(BRIDGE_MESSAGES.encode('hello', { proof: proof.toString('base64') }));
    await up(near);
  }
  /** Calls `answer` with every `want` the near end sends. */
  const onWant = (answer: (want: BridgeMessages['want']) => void) => {
    const decoder = new FrameDecoder({ maxFrameBytes: BRIDGE_MAX_FRAME_BYTES });
    sb.on('data', (d: Buffer) => {
      for (const frame of decoder.push(d)) {
        const msg = BRIDGE_MESSAGES.decode(frame);
        if (msg.kind === 'want') answer(msg.body);
      }
    });
  };
  return { near, sb, logs, onWant };
}

test('a message before the hello closes the link', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bridge-link-'));
  try {
    const { near, sb, logs } = await hostile(dir, false);
    sb.write(BRIDGE_MESSAGES.encode('want', { rid: 'r1', file: 'x' }));
    assert.is(await closed(near), 'closed before its hello');
    assert.ok(
      logs.some((l) => /want before hello/.test(l)),
      logs.join('\n'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file whose bytes do not match its announced SHA-256 is dropped, nothing placed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bridge-link-'));
  try {
    const { near, sb, onWant } = await hostile(dir);
    const dest = join(dir, 'shared', 'x.bin');
    onWant((want) => {
      const have = { rid: want.rid, file: 'x.bin', size: 1000, sha256: sha(randomBytes(1)) };
      sb.write(BRIDGE_MESSAGES.encode('have', have));
      sb.write(BRIDGE_MESSAGES.encode('chunk', randomBytes(1000)));
    });
    const got = await near.request('x.bin', dest, 5000);
    assert.match(String(got), /was dropped: its SHA-256 is/);
    assert.not.ok(existsSync(dest));
    assert.equal(readdirSync(join(dir, 'partial')), []);
    near.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bytes beyond the announced size, or a file nobody asked for, close the link', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bridge-link-'));
  try {
    const first = await hostile(dir);
    first.onWant((want) => {
      const have = { rid: want.rid, file: 'x.bin', size: 10, sha256: sha(randomBytes(1)) };
      first.sb.write(BRIDGE_MESSAGES.encode('have', have));
      first.sb.write(BRIDGE_MESSAGES.encode('chunk', randomBytes(11)));
    });
    const got = await first.near.request('x.bin', join(dir, 'shared', 'x.bin'), 5000);
    assert.match(String(got), /closed/);
    assert.ok(
      first.logs.some((l) => /more bytes than 10/.test(l)),
      first.logs.join('\n'),
    );

    const second = await hostile(dir);
    const gone = closed(second.near);
    second.sb.write(
      BRIDGE_MESSAGES.encode('have', { rid: 'nobody', file: 'y', size: 1, sha256: sha(Buffer.from('y')) }),
    );
    await gone;
    assert.ok(
      second.logs.some((l) => /a file nobody asked for/.test(l)),
      second.logs.join('\n'),
    );
    assert.not.ok(existsSync(join(dir, 'shared')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
