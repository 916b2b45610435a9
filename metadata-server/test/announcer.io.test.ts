/**
 * The metadata server's announcer on real UDP sockets on loopback (metadata-server/announcer.ts): periodic
 * announcements, answers to queries with their echo, the answer cap, queries without the mesh key unanswered, an
 * address it cannot announce on, and several listeners on one port.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateMeshKey } from '../../common/mesh-key.js';
import { SigningKey } from '../../common/signing-key.js';
import {
  decodeDatagram,
  discoveryAuth,
  encodeQuery,
  NO_ECHO,
  type Announcement,
} from '../../common/wire/announcement.js';
import { Announcer, type AnnouncerOptions } from '../announcer.js';

const meshKey = generateMeshKey();
const auth = discoveryAuth(meshKey);
const identity = SigningKey.generate();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freshPort(): number {
  return 30_000 + Math.floor(Math.random() * 10_000);
}

/** A listener on loopback's broadcast address: what any peer on this machine hears. */
async function listen(port: number): Promise<{ heard: Announcement[]; socket: Socket; send(data: Buffer): void }> {
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  const heard: Announcement[] = [];
  socket.on('message', (data) => {
    const decoded = decodeDatagram(data, auth);
    if (decoded.ok && decoded.datagram.kind === 'announce') heard.push(decoded.datagram);
  });
  await new Promise<void>((resolve) => socket.bind(port, '127.255.255.255', resolve));
  const sender = createSocket('udp4');
  await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', resolve));
  sender.setBroadcast(true);
  socket.on('close', () => sender.close());
  return { heard, socket, send: (data) => sender.send(data, port, '127.255.255.255') };
}

function announcer(port: number, lines: string[], more: Partial<AnnouncerOptions> = {}): Announcer {
  return new Announcer({
    listening: { host: '127.0.0.1', port: 7345 },
    identity,
    meshKey,
    discoveryPort: port,
    log: (line) => lines.push(line),
    fastIntervalMs: 30,
    slowIntervalMs: 10_000,
    ...more,
  });
}

test('announces at once, then fast a few times, then slowly; signed by its key, naming its address', async () => {
  const port = freshPort();
  const lines: string[] = [];
  const ear = await listen(port);
  const a = announcer(port, lines, { fastAnnouncements: 3 });
  try {
    assert.ok(await a.start());
    await sleep(400);
    assert.is(ear.heard.length, 3, 'three fast ones, the slow one not yet');
    for (const h of ear.heard) {
      assert.equal([h.host, h.port, h.echo], ['127.0.0.1', 7345, NO_ECHO]);
      assert.ok(h.serverKey.equals(identity.publicKey));
    }
    assert.is(new Set(ear.heard.map((h) => h.nonce.toString('hex'))).size, 3, 'a new nonce each time');
    assert.match(lines[0]!, /^announcing 127\.0\.0\.1:7345 on lo \(127\.255\.255\.255, udp port \d+\), signed, with/);
  } finally {
    a.stop();
    ear.socket.close();
  }
});

test("answers a member's query at once with its nonce, at most N a second; a stranger's query gets nothing", async () => {
  const port = freshPort();
  const lines: string[] = [];
  const ear = await listen(port);
  const a = announcer(port, lines, { fastAnnouncements: 1, maxAnswersPerSecond: 3 });
  try {
    await a.start();
    await sleep(100);
    const before = ear.heard.length;
    const nonce = randomBytes(16);
    ear.send(encodeQuery(nonce, auth));
    await sleep(100);
    assert.equal(
      ear.heard.slice(before).map((h) => h.echo.toString('hex')),
      [nonce.toString('hex')],
    );
    ear.send(encodeQuery(randomBytes(16), discoveryAuth(generateMeshKey())));
    ear.send(encodeQuery(randomBytes(16), discoveryAuth(undefined)));
    await sleep(100);
    assert.is(ear.heard.length, before + 1, 'no answer without the mesh key');
    assert.equal(
      lines.filter((l) => l.startsWith('discovery: dropped')),
      ['discovery: dropped a datagram from 127.0.0.1: wrong MAC: not made with this mesh key'],
      'once per source',
    );
    for (let i = 0; i < 10; i++) ear.send(encodeQuery(randomBytes(16), auth));
    await sleep(150);
    assert.ok(ear.heard.length - before <= 3 + 1, `${ear.heard.length - before} answers in a second`);
  } finally {
    a.stop();
    ear.socket.close();
  }
});

test('an address that is no interface of one subnet is not announced on, with a sentence; two servers share the port', async () => {
  const port = freshPort();
  const lines: string[] = [];
  const wildcard = announcer(port, lines, { listening: { host: '0.0.0.0', port: 7000 } });
  assert.not.ok(await wildcard.start());
  assert.match(
    lines[0]!,
    /^not announcing on the LAN: 0\.0\.0\.0 is every interface .*peers need --server 0\.0\.0\.0:7000/,
  );
  const ear = await listen(port);
  const one = announcer(port, [], { listening: { host: '127.0.0.1', port: 7001 } });
  const two = announcer(port, [], { listening: { host: '127.0.0.2', port: 7002 } });
  try {
    assert.ok((await one.start()) && (await two.start()), 'SO_REUSEADDR: both bind the discovery port');
    await sleep(100);
    assert.equal([...new Set(ear.heard.map((h) => `${h.host}:${h.port}`))].sort(), [
      '127.0.0.1:7001',
      '127.0.0.2:7002',
    ]);
  } finally {
    one.stop();
    two.stop();
    two.stop();
    ear.socket.close();
  }
});

test.run();
