/**
 * Which server a peer without `--server` joins (docs/SECURITY.md "Discovery"), at the ServerLink level with real
 * sockets: a real metadata server (its own process) stands at the link's default address, behind a proxy that holds
 * each connection a while, and a member holding the mesh key announces a server of its own (an in-process
 * Announcer, a fresh identity) naming a decoy listener that counts the connections it gets. Unpinned, the default
 * address wins; a silent default address costs its 2 s deadline, then the announcement is followed; pinned, the
 * pinned server's announcement is followed at once. Each test has its own UDP discovery port.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { keyedMesh } from '../../common/mesh-tls.js';
import { SigningKey } from '../../common/signing-key.js';
import type { HostPort } from '../../common/host-port.js';
import { Announcer } from '../../metadata-server/announcer.js';
import { randomPeerPorts, startServer, type ServerProcess } from '../../harness/server-process.js';
import { DEFAULT_ADDRESS_DEADLINE_MS, ServerLink } from '../mesh/server-link.js';
import { Transport } from '../transport/transport.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function discoveryPort(): number {
  return 30_000 + Math.floor(Math.random() * 10_000);
}

async function listen(server: Server): Promise<HostPort> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { host: '127.0.0.1', port: (server.address() as { port: number }).port };
}

/** A TCP proxy to `target` that holds each connection `delayMs` before passing anything either way. */
async function slowProxy(target: HostPort, delayMs: number): Promise<{ address: HostPort; close(): void }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.pause();
    setTimeout(() => {
      const upstream = connect(target.port, target.host);
      sockets.add(upstream);
      client.pipe(upstream).pipe(client);
      client.resume();
      const both = () => (client.destroy(), upstream.destroy());
      client.on('error', both).on('close', both);
      upstream.on('error', both).on('close', both);
    }, delayMs);
  });
  const address = await listen(server);
  return { address, close: () => (server.close(), sockets.forEach((s) => s.destroy())) };
}

/** A listener that counts connections: accepted and held silent (`silent`), or closed at once. */
async function listener(silent = false) {
  const sockets = new Set<Socket>();
  let dialled = 0;
  const server = createServer((socket) => {
    dialled++;
    sockets.add(socket);
    if (!silent) socket.destroy();
  });
  const address = await listen(server);
  return { address, dialled: () => dialled, close: () => (server.close(), sockets.forEach((s) => s.destroy())) };
}

/** A member's own "metadata server" announcement: its own identity, the mesh key, naming `address`. */
async function rogue(address: HostPort, meshKey: Buffer, discoveryPort: number, identity = SigningKey.generate()) {
  const announcer = new Announcer({ listening: address, identity, meshKey, discoveryPort, log: () => undefined });
  assert.ok(await announcer.start(), 'the rogue announces on lo');
  return announcer;
}

/** A peer's server link without --server: `given` is its default address; discovery on `port`. */
function link(given: HostPort, meshKey: Buffer, port: number, pin?: Buffer) {
  const identity = SigningKey.generate();
  const mesh = keyedMesh(meshKey);
  const serverPin = { key: pin, check: () => undefined };
  const joinInfo = () => ({ name: 'n1', id: identity.id, host: '127.0.0.1' });
  const server = new ServerLink(given, new Transport({ mesh, identity }), joinInfo, () => [], {
    discover: { port, mesh },
    serverPin,
    backoffs: [100],
  });
  const welcomed = new Promise<string>((resolve) => server.once('welcome', () => resolve(server.display)));
  server.start();
  return { server, welcomed };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)),
    ),
  ]);
}

async function realServer(port: number, ...args: string[]): Promise<ServerProcess> {
  return startServer(['--discovery-port', String(port), '--peer-ports', randomPeerPorts(), ...args]);
}

test('unpinned: a real server at the default address wins over an announcement that arrives while it is dialled', async () => {
  const port = discoveryPort();
  const real = await realServer(port, '--no-announce');
  const proxy = await slowProxy({ host: '127.0.0.1', port: real.port }, 400);
  const decoy = await listener();
  const announcer = await rogue(decoy.address, real.key!, port);
  const { server, welcomed } = link(proxy.address, real.key!, port);
  try {
    assert.is(await within(welcomed, 5000, 'joined'), `127.0.0.1:${proxy.address.port}`);
    assert.is(decoy.dialled(), 0, 'the announced server was never dialled');
    await real.waitForLine(/n1 joined/, 2000);
  } finally {
    server.stop();
    announcer.stop();
    decoy.close();
    proxy.close();
    await real.stop('SIGKILL');
  }
});

test('unpinned: a silent default address costs its 2 s deadline, then the announced server is joined within 3 s', async () => {
  const port = discoveryPort();
  const silent = await listener(true);
  const real = await realServer(port);
  await real.waitForLine(/^announcing /, 2000);
  const started = Date.now();
  const { server, welcomed } = link(silent.address, real.key!, port);
  try {
    assert.is(await within(welcomed, 4000, 'joined'), `127.0.0.1:${real.port}`);
    const ms = Date.now() - started;
    assert.ok(silent.dialled() >= 1, 'the default address was dialled');
    assert.ok(ms >= DEFAULT_ADDRESS_DEADLINE_MS - 100, `joined after ${ms} ms: before the default dial's deadline`);
    assert.ok(ms < 3000, `joined after ${ms} ms`);
    assert.is(server.via, 'discovery');
  } finally {
    server.stop();
    silent.close();
    await real.stop('SIGKILL');
  }
});

test('unpinned: a default address that refuses lets the announced server be joined at once', async () => {
  const port = discoveryPort();
  const refusing = await listener();
  refusing.close(); // a port nothing listens on: refused at once on loopback
  const real = await realServer(port);
  await real.waitForLine(/^announcing /, 2000);
  const started = Date.now();
  const { server, welcomed } = link(refusing.address, real.key!, port);
  try {
    assert.is(await within(welcomed, 3000, 'joined'), `127.0.0.1:${real.port}`);
    assert.ok(Date.now() - started < 1500, `joined after ${Date.now() - started} ms`);
  } finally {
    server.stop();
    await real.stop('SIGKILL');
  }
});

test('pinned: the pinned server announcing elsewhere is followed at once, dropping the default dial in flight', async () => {
  const port = discoveryPort();
  const real = await realServer(port, '--no-announce');
  const proxy = await slowProxy({ host: '127.0.0.1', port: real.port }, 3000);
  const decoy = await listener();
  const pinned = SigningKey.generate();
  const announcer = await rogue(decoy.address, real.key!, port, pinned);
  const { server } = link(proxy.address, real.key!, port, pinned.publicKey);
  try {
    for (const until = Date.now() + 1500; decoy.dialled() === 0 && Date.now() < until;) await sleep(20);
    assert.ok(decoy.dialled() >= 1, 'the pinned server was dialled where it announced itself');
    assert.is(server.display, `127.0.0.1:${decoy.address.port}`);
  } finally {
    server.stop();
    announcer.stop();
    decoy.close();
    proxy.close();
    await real.stop('SIGKILL');
  }
});

test.run();
