import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomPeerPorts, withServer } from '../../harness/server-process.js';
import { TestClient, WAIT_MS } from './test-client.js';
import type { ServerMessage } from '../registry-protocol.js';

const DISTINCT = 300;
const DUPLICATES = 150;

/** Mixed-case variants of one name: the server compares names case-insensitively. */
function duplicateName(i: number): string {
  return i % 3 === 0 ? 'twin' : i % 3 === 1 ? 'TWIN' : 'Twin';
}

test(`${DISTINCT + DUPLICATES} racing joins at --max-peers 5 --workers 4 admit exactly 5, with distinct names and ports`, async () => {
  await withServer(
    ['--max-peers', '5', '--workers', '4', '--peer-ports', randomPeerPorts(50)],
    async (server, track) => {
      const names = [
        ...Array.from({ length: DISTINCT }, (_, i) => `racer-${i}`),
        ...Array.from({ length: DUPLICATES }, (_, i) => duplicateName(i)),
      ].sort(() => Math.random() - 0.5);

      // Open every connection first, then fire every join in the same tick so they race inside the pool.
      const clients = await Promise.all(names.map(async () => track(await TestClient.connect(server.port))));
      const tJoin = Date.now();
      for (const [i, client] of clients.entries()) {
        client.send('join', { flag: 'p2p', name: names[i]!, id: client.id, host: '127.0.0.1', version: 1 });
      }
      const answers: ServerMessage[] = await Promise.all(
        clients.map((c) => c.nextOf(['welcome', 'refused'], WAIT_MS * 2)),
      );
      const elapsed = Date.now() - tJoin;

      const admitted = answers.flatMap((a, i) =>
        a.kind === 'welcome' ? [{ name: names[i]!.toLowerCase(), port: a.body.port }] : [],
      );
      assert.is(admitted.length, 5, 'exactly --max-peers joins are admitted');
      assert.is(new Set(admitted.map((a) => a.name)).size, 5, 'admitted names are distinct');
      assert.is(new Set(admitted.map((a) => a.port)).size, 5, 'admitted ports are distinct');

      const admittedNames = new Set(admitted.map((a) => a.name));
      for (const [i, answer] of answers.entries()) {
        if (answer.kind !== 'refused') continue;
        const name = names[i]!.toLowerCase();
        // The name check comes before the capacity check, so a duplicate of an admitted name is always NAME_TAKEN.
        const want = admittedNames.has(name) ? 'P2P_ERR_NAME_TAKEN' : 'P2P_ERR_MESH_FULL';
        assert.is(answer.body.code, want, `${names[i]} refused with ${want}`);
      }
      const refusedCount = answers.filter((a) => a.kind === 'refused').length;
      assert.is(refusedCount, names.length - 5);

      // Every refused connection is closed by the server; every admitted one stays open.
      const closed = await Promise.all(
        clients.map((c, i) => (answers[i]!.kind === 'refused' ? c.waitClosed() : Promise.resolve(true))),
      );
      assert.ok(closed.every(Boolean), 'refused connections are closed');
      assert.ok(
        clients.filter((_, i) => answers[i]!.kind === 'welcome').every((c) => c.open),
        'admitted connections stay open',
      );
      await server.waitForLine(/^racer-|^twin joined/);
      assert.ok(elapsed < WAIT_MS * 2, `answered within ${elapsed} ms`);
    },
  );
});

test.run();
