/**
 * The mesh key at the metadata server's port (docs/CONTRACT.md "The trusted mesh"): a stranger without the key
 * learns nothing and can do nothing, a wrong key fails the TLS handshake, the right key joins; the server creates
 * `.meshshare/mesh.key` (0600, 32 bytes) in its folder when missing and says where.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateMeshKey } from '../../common/mesh-key.js';
import { encodeFrame } from '../../common/frame-encoder.js';
import { serverMessages } from '../../common/wire/server-messages.js';
import { MAIN_JS, randomPeerPorts, withServer } from '../../harness/server-process.js';
import { joinBody, TestClient } from './test-client.js';
import { plainExchange } from '../../harness/plain-exchange.js';

test('without the key a stranger learns nothing and can do nothing; a wrong key fails the handshake', async () => {
  await withServer(['--peer-ports', randomPeerPorts()], async (server, track) => {
    // A keyed member with a name, an id and a file in the index.
    const { client, answer } = await TestClient.join(server.port, 'insider');
    const id = client.id;
    track(client);
    assert.is(answer.kind, 'welcome');
    if (answer.kind !== 'welcome') return;
    await client.goLive(answer.body.port);
    client.send('index', { files: [{ name: 'quarterly-plans.pdf', size: 123456, sha256: 'ab'.repeat(32) }] });
    await client.heartbeat();

    const secrets = ['insider', id, 'quarterly-plans', '123456', String(answer.body.port)];
    const attempts: [string, Buffer][] = [
      ['a plain join', serverMessages.encode('join', joinBody('stranger'))],
      ['a plain peers request', serverMessages.encode('peers-request', { rid: 'rid-00000001' })],
      [
        'a plain files request',
        serverMessages.encode('files-request', { rid: 'rid-00000002', mode: 'all', pattern: '' }),
      ],
      ['a plain stop-all', serverMessages.encode('stop-all', { by: 'stranger' })],
      ['garbage (an HTTP request)', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
      ['a frame of type 0x16', encodeFrame(0x16, Buffer.from('{}'))],
    ];
    for (const [what, bytes] of attempts) {
      const { received, closed } = await plainExchange(server.port, bytes);
      assert.ok(closed, `${what}: closed by the server`);
      const text = received.toString('latin1');
      for (const secret of secrets) assert.not.ok(text.includes(secret), `${what}: received ${JSON.stringify(text)}`);
    }

    // A member of another mesh: the TLS handshake fails, it never gets a channel.
    let refused = '';
    await TestClient.connect(server.port, '127.0.0.1', generateMeshKey()).then(
      (c) => c.close(),
      (err: Error) => (refused = err.message),
    );
    assert.match(refused, /does not have this mesh key/);

    // Nothing a stranger did had an effect: the member is still the only peer, still live, its file still listed.
    client.send('peers-request', { rid: 'rid-check-0001' });
    const peers = await client.next('peers');
    assert.equal(
      peers.peers.map((p) => p.name),
      ['insider'],
    );
    client.send('files-request', { rid: 'rid-check-0002', mode: 'all', pattern: '' });
    const files = await client.next('files');
    assert.equal(
      files.entries.map((e) => e.name),
      ['quarterly-plans.pdf'],
    );
    assert.ok(client.open);
    assert.match(server.lines.join('\n'), /P2P_ERR_MESH_KEY: it spoke without the mesh key/);
    assert.match(server.lines.join('\n'), /P2P_ERR_MESH_KEY: the far end does not have this mesh key/);
  });
});

test('with no key flags the server creates .meshshare/mesh.key (0600, 32 bytes) in its folder, says where, and reuses it', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'p2p-state-'));
  try {
    for (const round of [1, 2]) {
      const child = spawn(process.execPath, [MAIN_JS, '--port', '0', '--peer-ports', randomPeerPorts()], {
        cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const lines: string[] = [];
      const listening = new Promise<void>((resolve, reject) => {
        createInterface({ input: child.stdout! }).on('line', (line) => {
          lines.push(line);
          if (line.startsWith('metadata server listening')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}`)));
        setTimeout(() => reject(new Error(`not listening: ${lines.join('\n')}`)), 10_000);
      });
      try {
        await listening;
      } finally {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      const path = join(cwd, '.meshshare', 'mesh.key');
      const text = lines.join('\n');
      if (round === 1) assert.match(text, /created a new mesh key in \.meshshare\/mesh\.key/);
      else assert.match(text, /using the mesh key in \.meshshare\/mesh\.key/);
      assert.match(text, /keyed with the mesh key\)/);
      assert.is(statSync(path).mode & 0o777, 0o600);
      assert.is(Buffer.from(readFileSync(path, 'utf8').trim(), 'hex').length, 32);
    }
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

test.run();
