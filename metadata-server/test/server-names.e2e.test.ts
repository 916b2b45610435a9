/**
 * The metadata server binds names to proved ids and remembers them (docs/SECURITY.md "Identities"): a join must
 * name the id its connection proved; another id asking for a remembered name is refused, even while the owner is
 * away and across a restart; the owner gets its name back; `metadata-server forget NAME` frees it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SigningKey } from '../../common/signing-key.js';
import { randomPeerPorts, runCli, startServer, type ServerProcess } from '../../harness/server-process.js';
import { closeAll, TestClient } from './test-client.js';

async function joinAs(server: ServerProcess, name: string, identity: SigningKey, clients: TestClient[]) {
  const { client, answer } = await TestClient.join(server.port, name, {}, identity);
  clients.push(client);
  return answer;
}

test('a join must name the id its connection proved', async () => {
  const server = await startServer(['--peer-ports', randomPeerPorts()]);
  const clients: TestClient[] = [];
  try {
    const owner = SigningKey.generate();
    const { client, answer } = await TestClient.join(server.port, 's1', { id: owner.id });
    clients.push(client);
    assert.is(answer.kind, 'refused');
    if (answer.kind === 'refused') {
      assert.is(answer.body.code, 'P2P_ERR_IDENTITY');
      assert.match(answer.body.reason, /proved/);
    }
    // The real owner is not locked out by the attempt.
    assert.is((await joinAs(server, 's1', owner, clients)).kind, 'welcome');
  } finally {
    await closeAll(clients);
    await server.stop();
  }
});

test("a remembered name stays its owner's while it is away and across a restart; forget frees it", async () => {
  const state = mkdtempSync(join(tmpdir(), 'p2p-names-'));
  const clients: TestClient[] = [];
  const owner = SigningKey.generate();
  const other = SigningKey.generate();
  const args = ['--peer-ports', randomPeerPorts(), '--state', state];
  let server = await startServer(args);
  try {
    assert.is((await joinAs(server, 's3', owner, clients)).kind, 'welcome');
    clients[0]!.send('leave', { reason: 'going home' });
    await server.waitForLine(/^s3 left/);
    const taken = await joinAs(server, 'S3', other, clients);
    assert.is(taken.kind, 'refused');
    if (taken.kind === 'refused') {
      assert.is(taken.body.code, 'P2P_ERR_NAME_TAKEN');
      assert.match(taken.body.reason, /belongs to another peer.*metadata-server forget s3/);
    }
    const book = JSON.parse(readFileSync(join(state, 'names.json'), 'utf8')) as {
      names: Record<string, { id: string }>;
    };
    assert.is(book.names['s3']?.id, owner.id);

    // kill -9 and a restart from the same state: still bound, and the server proves the same key.
    const serverKey = readFileSync(join(state, 'server.key'), 'utf8');
    await closeAll(clients.splice(0));
    await server.stop('SIGKILL');
    server = await startServer(args);
    assert.is(readFileSync(join(state, 'server.key'), 'utf8'), serverKey);
    assert.is((await joinAs(server, 's3', other, clients)).kind, 'refused');
    const back = await joinAs(server, 's3', owner, clients);
    assert.is(back.kind, 'welcome', 'the owner gets its name back');
    clients[clients.length - 1]!.send('leave', { reason: 'done' });
    await server.waitForLine(/^s3 left/);

    // The operator frees the name while the server runs.
    const forgot = await runCli(['forget', 's3', '--state', state]);
    assert.is(forgot.code, 0, forgot.stderr);
    assert.match(forgot.stdout, new RegExp(`forgot s3 \\(it was bound to id ${owner.id}\\)`));
    assert.is((await joinAs(server, 's3', other, clients)).kind, 'welcome', 'the name went to the next peer');
    const again = await runCli(['forget', 'nobody', '--state', state]);
    assert.is(again.code, 0);
    assert.match(again.stdout, /nobody is not a remembered name/);
  } finally {
    await closeAll(clients);
    await server.stop();
    rmSync(state, { recursive: true, force: true });
  }
});

test('an open mesh binds names to proved ids too', async () => {
  const server = await startServer(['--peer-ports', randomPeerPorts(), '--open']);
  const clients: TestClient[] = [];
  try {
    const owner = SigningKey.generate();
    assert.is((await joinAs(server, 'o1', owner, clients)).kind, 'welcome');
    clients[0]!.close();
    await server.waitForLine(/^o1 is gone/);
    const answer = await joinAs(server, 'o1', SigningKey.generate(), clients);
    assert.is(answer.kind, 'refused');
    if (answer.kind === 'refused') assert.is(answer.body.code, 'P2P_ERR_NAME_TAKEN');
  } finally {
    await closeAll(clients);
    await server.stop();
  }
});

test.run();
