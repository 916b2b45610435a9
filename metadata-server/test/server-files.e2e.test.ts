import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_INDEXED_FILES, type IndexedFile, type ServerMessages } from '../../common/wire/server-messages.js';
import { randomPeerPorts, withServer } from '../../harness/server-process.js';
import { TestClient } from './test-client.js';

type Track = <T extends { close(): void }>(c: T) => T;

const SHA = { a: 'a'.repeat(64), b: 'b'.repeat(64), c: 'c'.repeat(64), d: 'd'.repeat(64), e: 'e'.repeat(64) };

/** Joins and goes live; returns the client and its port. */
async function joinLive(serverPort: number, name: string, track: Track) {
  const { client, answer } = await TestClient.join(serverPort, name);
  track(client);
  if (answer.kind !== 'welcome') throw new Error(`${name} was refused: ${JSON.stringify(answer.body)}`);
  await client.goLive(answer.body.port);
  return { client, port: answer.body.port };
}

/**
 * Sends an index and waits for the ack of a heartbeat sent behind it: `index` has no answer, and requests of one
 * connection are performed in order, so the ack proves the index is stored before another connection asks.
 */
async function sendIndex(client: TestClient, files: IndexedFile[]): Promise<void> {
  client.send('index', { files });
  await client.heartbeat();
}

async function ask(client: TestClient, mode: ServerMessages['files-request']['mode'], pattern = '', rid = 'q1') {
  client.send('files-request', { rid, mode, pattern });
  const answer = await client.next('files');
  assert.is(answer.rid, rid);
  return answer.entries;
}

/** [name, sha256's first letter, [holder name, holder port]...] per entry. */
function summary(entries: ServerMessages['files']['entries']): [string, string, [string, number][]][] {
  return entries.map((e) => [e.name, e.sha256[0]!, e.holders.map((h) => [h.name, h.port] as [string, number])]);
}

test('files-request answers all, substring and name queries from the indexes of live peers', async () => {
  await withServer(['--peer-ports', randomPeerPorts(), '--workers', '4'], async (server, track) => {
    const s1 = await joinLive(server.port, 's1', track);
    const s2 = await joinLive(server.port, 's2', track);
    const s3 = await joinLive(server.port, 's3', track);
    await sendIndex(s1.client, [
      { name: 'report.pdf', size: 10, sha256: SHA.a },
      { name: 'notes.txt', size: 20, sha256: SHA.b },
    ]);
    await sendIndex(s2.client, [
      { name: 'report.pdf', size: 10, sha256: SHA.a },
      { name: 'Report-2024.PDF', size: 30, sha256: SHA.c },
    ]);
    await sendIndex(s3.client, [
      { name: 'report.pdf', size: 11, sha256: SHA.d },
      { name: 'song.mp3', size: 40, sha256: SHA.e },
    ]);
    await server.waitForLine(/^s1 now holds 2 files$/);

    const all = await ask(s3.client, 'all');
    assert.equal(summary(all), [
      ['Report-2024.PDF', 'c', [['s2', s2.port]]],
      ['notes.txt', 'b', [['s1', s1.port]]],
      [
        'report.pdf',
        'a',
        [
          ['s1', s1.port],
          ['s2', s2.port],
        ],
      ],
      ['report.pdf', 'd', [['s3', s3.port]]],
      ['song.mp3', 'e', [['s3', s3.port]]],
    ]);
    assert.equal(all[0], {
      name: 'Report-2024.PDF',
      size: 30,
      sha256: SHA.c,
      holders: [{ name: 's2', id: all[0]!.holders[0]!.id, host: '127.0.0.1', port: s2.port }],
    });

    assert.equal(
      summary(await ask(s1.client, 'substring', 'REPORT', 'q2')).map(([n, h]) => `${n}/${h}`),
      ['Report-2024.PDF/c', 'report.pdf/a', 'report.pdf/d'],
    );
    assert.equal(
      summary(await ask(s1.client, 'name', 'report.pdf')).map(([n, h]) => `${n}/${h}`),
      ['report.pdf/a', 'report.pdf/d'],
    );
    assert.equal(
      summary(await ask(s2.client, 'name', 'song')).map(([n]) => n),
      ['song.mp3'],
      'the stem when no name is equal',
    );
    assert.equal(await ask(s2.client, 'name', 'Song'), [], 'name is case-sensitive');
    assert.equal(await ask(s2.client, 'substring', 'zzz'), []);
  });
});

test('a peer that leaves or drops disappears from the holders at once', async () => {
  await withServer(['--peer-ports', randomPeerPorts(), '--workers', '4'], async (server, track) => {
    const peers = [];
    for (const name of ['s1', 's2', 's3']) {
      const p = await joinLive(server.port, name, track);
      await sendIndex(p.client, [
        { name: 'common.iso', size: 5, sha256: SHA.a },
        { name: `${name}.txt`, size: 1, sha256: SHA.b },
      ]);
      peers.push(p);
    }
    const [s1, s2, s3] = peers as [(typeof peers)[0], (typeof peers)[0], (typeof peers)[0]];
    const holders = async () => (await ask(s1.client, 'name', 'common.iso'))[0]?.holders.map((h) => h.name) ?? [];
    assert.equal(await holders(), ['s1', 's2', 's3']);

    s2.client.send('leave', { reason: 'done' });
    assert.ok(await s2.client.waitClosed(), 'the server ends the leaving connection once the leave is performed');
    assert.equal(await holders(), ['s1', 's3']);
    assert.equal(
      (await ask(s1.client, 'all')).map((e) => e.name),
      ['common.iso', 's1.txt', 's3.txt'],
    );

    s3.client.close();
    await server.waitForLine(/^s3 is gone: connection closed$/);
    assert.equal(await holders(), ['s1']);
  });
});

test('an index before join is refused as unexpected and closes only that connection', async () => {
  await withServer(['--peer-ports', randomPeerPorts()], async (server, track) => {
    const peer = await joinLive(server.port, 'bystander', track);
    await sendIndex(peer.client, [{ name: 'kept.txt', size: 1, sha256: SHA.a }]);
    const early = track(await TestClient.connect(server.port));
    early.send('index', { files: [{ name: 'sneaky.txt', size: 1, sha256: SHA.b }] });
    const refused = await early.next('refused');
    assert.equal(refused, { code: 'P2P_ERR_UNEXPECTED_MESSAGE', reason: 'unexpected index: send join first' });
    assert.ok(await early.waitClosed());
    assert.equal(
      (await ask(peer.client, 'all')).map((e) => e.name),
      ['kept.txt'],
    );
  });
});

test('a full index of 2000 files with 255-byte names is accepted and listed', async () => {
  await withServer(['--peer-ports', randomPeerPorts()], async (server, track) => {
    const s1 = await joinLive(server.port, 's1', track);
    const files = Array.from({ length: MAX_INDEXED_FILES }, (_, i) => ({
      name: `${String(i).padStart(4, '0')}-`.padEnd(255, 'n'),
      size: Number.MAX_SAFE_INTEGER - i,
      sha256: i.toString(16).padStart(64, '0'),
    }));
    await sendIndex(s1.client, files);
    await server.waitForLine(/^s1 now holds 2000 files$/);
    const all = await ask(s1.client, 'all');
    assert.is(all.length, MAX_INDEXED_FILES);
    assert.equal(
      all.map(({ name, size, sha256 }) => ({ name, size, sha256 })),
      files,
    );
  });
});

test('an index over the limits is refused or rejected, closing only that connection', async () => {
  await withServer(['--peer-ports', randomPeerPorts()], async (server, track) => {
    const peer = await joinLive(server.port, 'bystander', track);
    await sendIndex(peer.client, [{ name: 'kept.txt', size: 1, sha256: SHA.a }]);

    // 2000 names of 133 '€' (399 UTF-8 bytes): the frame is under 1 MiB, but 2000 × (42 + 399) bytes do not fit
    // the 594 008-byte region of the default.
    const wide = await joinLive(server.port, 'wide', track);
    const euros = Array.from({ length: MAX_INDEXED_FILES }, (_, i) => ({
      name: `${i}`.padEnd(133, '€'),
      size: i,
      sha256: SHA.c,
    }));
    wide.client.send('index', { files: euros });
    const refused = await wide.client.next('refused');
    assert.is(refused.code, 'P2P_ERR_BAD_MESSAGE');
    assert.match(
      refused.reason,
      /^an index of 2000 files takes \d+ bytes but the metadata server keeps at most 594000 per peer/,
    );
    assert.ok(await wide.client.waitClosed());
    await server.waitForLine(/^refused "wide": P2P_ERR_BAD_MESSAGE: an index of 2000 files/);

    // More entries than the wire allows: a bad message, closed without an answer like any malformed frame.
    const many = await joinLive(server.port, 'many', track);
    many.client.send('index', {
      files: Array.from({ length: MAX_INDEXED_FILES + 1 }, (_, i) => ({ name: `f${i}`, size: i, sha256: SHA.d })),
    });
    assert.ok(await many.client.waitClosed());
    await server.waitForLine(/^many is gone: index: files must be at most 2000 items$/);

    assert.is((await peer.client.heartbeat()).peers, 1, 'the other peer carries on');
    assert.equal(
      (await ask(peer.client, 'all')).map((e) => e.name),
      ['kept.txt'],
    );
  });
});

test.run();
