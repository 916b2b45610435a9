import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomPeerPorts, runCli, startServer, withServer } from '../../harness/server-process.js';
import { MAX_PORT_BUSY_REPORTS } from '../server-connection.js';
import { SigningKey } from '../../common/signing-key.js';
import { TestClient, WAIT_MS } from './test-client.js';
import type { ServerMessage } from '../registry-protocol.js';

type Track = <T extends { close(): void }>(c: T) => T;

/** Joins and reports listening with the given neighbours; returns the client and its port. */
async function joinLive(serverPort: number, name: string, track: Track, neighbours: string[] = []) {
  const { client, answer } = await TestClient.join(serverPort, name);
  track(client);
  if (answer.kind !== 'welcome') throw new Error(`${name} was refused: ${JSON.stringify(answer.body)}`);
  await client.goLive(answer.body.port, neighbours);
  return { client, port: answer.body.port, referrals: answer.body.referrals.map((r) => r.name) };
}

/**
 * Tries to join as `name`, proving `identity` (the same peer coming back), until admitted (the server frees slots
 * asynchronously), within a bound.
 */
async function rejoin(serverPort: number, name: string, identity: SigningKey, track: Track): Promise<ServerMessage> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const { client, answer } = await TestClient.join(serverPort, name, {}, identity);
    track(client);
    if (answer.kind === 'welcome' || Date.now() > deadline) return answer;
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('leave frees the slot at once and the name can rejoin', async () => {
  await withServer(['--peer-ports', randomPeerPorts()], async (server, track) => {
    const s1 = await joinLive(server.port, 's1', track);
    s1.client.send('leave', { reason: 'user typed Stop' });
    assert.ok(await s1.client.waitClosed(), 'the server ends a leaving connection');
    await server.waitForLine(/^s1 left \(user typed Stop\)$/);
    const again = await TestClient.join(server.port, 'S1', {}, s1.client.key);
    track(again.client);
    assert.is(again.answer.kind, 'welcome');
  });
});

test('a dropped connection frees the slot and the name can rejoin', async () => {
  await withServer(['--peer-ports', randomPeerPorts()], async (server, track) => {
    const s1 = await joinLive(server.port, 's1', track);
    s1.client.close();
    assert.is((await rejoin(server.port, 's1', s1.client.key, track)).kind, 'welcome');
    await server.waitForLine(/^s1 is gone: connection closed$/);
  });
});

test('a silent peer is dropped after --heartbeat-timeout and its name can rejoin', async () => {
  await withServer(['--peer-ports', randomPeerPorts(), '--heartbeat-timeout', '300'], async (server, track) => {
    const quiet = await joinLive(server.port, 'quiet', track);
    const t0 = Date.now();
    assert.ok(await quiet.client.waitClosed(WAIT_MS), 'the silent connection is closed');
    assert.ok(Date.now() - t0 >= 250, 'not before the timeout');
    await server.waitForLine(/^quiet is gone: /);
    assert.is((await rejoin(server.port, 'quiet', quiet.client.key, track)).kind, 'welcome');
  });
});

test('port-busy is answered with a fresh welcome on another port', async () => {
  await withServer(['--peer-ports', randomPeerPorts()], async (server, track) => {
    await joinLive(server.port, 's1', track);
    const { client, answer } = await TestClient.join(server.port, 's2');
    track(client);
    assert.ok(answer.kind === 'welcome');
    client.send('port-busy', { port: answer.body.port });
    const again = await client.next('welcome');
    assert.is.not(again.port, answer.body.port);
    assert.equal(
      again.referrals.map((r) => r.name),
      ['s1'],
      'referrals are sent again',
    );
    await client.goLive(again.port, ['s1']);
    assert.is((await client.heartbeat(['s1'])).peers, 2);
  });
});

test('one join may report at most 8 busy ports: a member cannot exhaust the port range for newcomers', async () => {
  await withServer(['--peer-ports', randomPeerPorts(40)], async (server, track) => {
    const { client, answer } = await TestClient.join(server.port, 'hog');
    track(client);
    assert.ok(answer.kind === 'welcome');
    let port = answer.body.port;
    for (let i = 0; i < MAX_PORT_BUSY_REPORTS; i++) {
      client.send('port-busy', { port });
      port = (await client.next('welcome')).port;
    }
    client.send('port-busy', { port });
    assert.ok(await client.waitClosed(), 'the ninth report ends the connection');
    await server.waitForLine(/more than 8 busy ports reported by one join/);
    // 40 ports, 8 skipped: a newcomer still gets one.
    const { answer: newcomer } = await TestClient.join(server.port, 'newcomer').then((r) => (track(r.client), r));
    assert.is(newcomer.kind, 'welcome');
  });
});

test('peers-request lists live peers with their neighbours', async () => {
  await withServer(['--peer-ports', randomPeerPorts()], async (server, track) => {
    const s1 = await joinLive(server.port, 's1', track);
    const s2 = await joinLive(server.port, 's2', track, ['s1']);
    const s3 = await joinLive(server.port, 's3', track, ['s1']);
    s1.client.send('peers-request', { rid: 'topo-1' });
    const { rid, peers } = await s1.client.next('peers');
    assert.is(rid, 'topo-1');
    assert.equal(
      peers.map((p) => [p.name, p.port, [...p.neighbours].sort()]),
      [
        ['s1', s1.port, ['s2', 's3']],
        ['s2', s2.port, ['s1']],
        ['s3', s3.port, ['s1']],
      ],
    );
  });
});

test('stop-all pushes stop to every peer; the server keeps running', async () => {
  await withServer(['--peer-ports', randomPeerPorts()], async (server, track) => {
    const peers = [];
    for (const name of ['s1', 's2', 's3']) peers.push(await joinLive(server.port, name, track));
    peers[1]!.client.send('stop-all', { by: 's2' });
    for (const p of peers) assert.equal(await p.client.next('stop'), { reason: 'stop all requested by s2' });
    await server.waitForLine(/^stop all requested by s2: told 3 peers to stop$/);
    const later = await TestClient.join(server.port, 's4');
    track(later.client);
    assert.is(later.answer.kind, 'welcome', 'the server still admits peers');
  });
});

test('when the middle of a line leaves, the cut-off peer is pushed a link to the rest', async () => {
  await withServer(['--peer-ports', randomPeerPorts(), '--topology', 'line'], async (server, track) => {
    const s1 = await joinLive(server.port, 's1', track);
    const s2 = await joinLive(server.port, 's2', track, ['s1']);
    const s3 = await joinLive(server.port, 's3', track, ['s2']);
    assert.equal([s2.referrals, s3.referrals], [['s1'], ['s2']], 'line topology refers to the newest peer');
    s2.client.send('leave', { reason: 'test' });
    const advice = await s3.client.next('heartbeat-ack');
    assert.equal(
      advice.link.map((l) => [l.name, l.port]),
      [['s1', s1.port]],
    );
    await server.waitForLine(/^mesh is split: advised s3 to dial s1$/);
  });
});

test('SIGINT, SIGTERM and SIGHUP (its terminal closed) stop the server with exit 0', async () => {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const server = await startServer(['--peer-ports', randomPeerPorts()]);
    const { client } = await TestClient.join(server.port, 'watcher');
    try {
      assert.is(await server.stop(signal), 0, `${signal} exits 0`);
      assert.ok(await client.waitClosed(), `${signal} closes peer connections`);
    } finally {
      client.close();
    }
  }
});

test('the listening line names the address and the settings', async () => {
  const server = await startServer([
    '--max-peers',
    '7',
    '--workers',
    '3',
    '--peer-ports',
    '41000-41099',
    '--topology',
    'line',
  ]);
  try {
    assert.match(
      server.lines.find((l) => l.startsWith('metadata server listening')) ?? server.lines.join('\n'),
      /^metadata server listening on 127\.0\.0\.1:\d+ \(max peers 7, workers 3, peer ports 41000-41099, topology line, keyed with the mesh key\)$/,
    );
  } finally {
    assert.is(await server.stop(), 0);
  }
});

test('bad arguments exit 2 with one sentence; a port in use exits 1; --version and --help exit 0', async () => {
  const bad = await runCli(['--max-peers', 'lots']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /^metadata-server: --max-peers must be a whole number from 1 to 256, not "lots"\n$/);
  assert.is(bad.stdout, '');

  const unknown = await runCli(['--colour']);
  assert.is(unknown.code, 2);
  assert.match(unknown.stderr, /unknown option --colour/);

  const server = await startServer(['--peer-ports', randomPeerPorts()]);
  try {
    const clash = await runCli(['--port', String(server.port)]);
    assert.is(clash.code, 1);
    assert.match(clash.stderr, /already in use: stop the program using it, or pass another --port/);
  } finally {
    await server.stop();
  }

  const version = await runCli(['--version']);
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  assert.equal([version.code, version.stdout.trim()], [0, pkg.version]);
  const help = await runCli(['--help']);
  assert.is(help.code, 0);
  assert.match(help.stdout, /--max-peers N/);
});

test.run();
