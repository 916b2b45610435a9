import { connect } from 'node:net';
import { once } from 'node:events';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateMeshKey } from '../../common/mesh-key.js';
import { keyedMesh, OPEN_MESH } from '../../common/mesh-tls.js';
import { rememberMeshKey } from '../../harness/server-process.js';
import { MetadataServer, formatListeningLine, type MetadataServerOptions } from '../metadata-server.js';
import { TestClient, WAIT_MS } from './test-client.js';

/** An in-process server with shrunken times; its log lines are collected. */
/** An in-process keyed server (test clients find its key by port) with shrunken times; its log lines are collected. */
async function start(options: Partial<MetadataServerOptions> = {}) {
  const lines: string[] = [];
  const key = generateMeshKey();
  const server = new MetadataServer({
    mesh: keyedMesh(key),
    port: 0,
    workers: 2,
    peerPorts: { low: 42000, high: 42049 },
    log: (l) => lines.push(l),
    ...options,
  });
  const info = await server.start();
  rememberMeshKey(info.port, key);
  return { server, info, lines };
}

test('a connection that does not join within the join timeout is closed and logged', async () => {
  const { server, info, lines } = await start({ joinTimeoutMs: 150 });
  const socket = connect({ port: info.port, host: info.host });
  socket.on('error', () => {});
  try {
    await once(socket, 'connect', { signal: AbortSignal.timeout(WAIT_MS) });
    const t0 = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      once(socket, 'close').then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), WAIT_MS))),
    ]);
    clearTimeout(timer);
    assert.ok(closed, 'closed by the server');
    assert.ok(Date.now() - t0 >= 100, 'not before the timeout');
    assert.ok(
      lines.some((l) => /P2P_ERR_TIMEOUT: no join within 150 ms/.test(l)),
      lines.join('\n'),
    );
  } finally {
    socket.destroy();
    await server.stop();
  }
});

test('stop() is idempotent and closes peer connections', async () => {
  const { server, info } = await start();
  const { client, answer } = await TestClient.join(info.port, 'solo');
  try {
    assert.is(answer.kind, 'welcome');
    const a = server.stop();
    const b = server.stop();
    assert.is(a, b, 'the same promise');
    await a;
    assert.ok(await client.waitClosed());
    await server.stop();
  } finally {
    client.close();
  }
});

test('joins are served by the worker threads and logged as one line each', async () => {
  const { server, info, lines } = await start({ maxPeers: 2 });
  const clients: TestClient[] = [];
  try {
    for (const name of ['w1', 'w2', 'w3']) clients.push((await TestClient.join(info.port, name)).client);
    assert.equal(lines.filter((l) => /^w\d joined/.test(l)).length, 2);
    assert.equal(lines.filter((l) => /^refused "w3" from 127\.0\.0\.1:\d+: P2P_ERR_MESH_FULL/.test(l)).length, 1);
    assert.match(
      formatListeningLine(info),
      /^metadata server listening on 127\.0\.0\.1:\d+ \(max peers 2, workers 2, peer ports 42000-42049, topology mesh, keyed with the mesh key\)$/,
    );
  } finally {
    for (const c of clients) c.close();
    await server.stop();
  }
});

test('a port already in use makes start() reject with EADDRINUSE', async () => {
  const { server, info } = await start();
  const second = new MetadataServer({ mesh: OPEN_MESH, port: info.port, workers: 1 });
  try {
    await second.start().then(
      () => assert.unreachable('the second server started'),
      (err: NodeJS.ErrnoException) => assert.is(err.code, 'EADDRINUSE'),
    );
  } finally {
    await second.stop();
    await server.stop();
  }
});

test.run();
