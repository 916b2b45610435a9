/**
 * Swarm transfers in one process over real loopback sockets: several Upload (holders) → PeerListener → Downloads →
 * SwarmDownload, with timeouts shrunk so a transfer outlasts them many times over.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AddressBook } from '../files/address-book.js';
import { Downloads } from '../transfer/downloads.js';
import { FileCatalog } from '../files/file-catalog.js';
import { Hasher } from '../content/hasher.js';
import { PartialFiles } from '../content/partial-file.js';
import { PeerFolders } from '../files/peer-folders.js';
import { PeerListener } from '../transport/peer-listener.js';
import { Transport } from '../transport/transport.js';
import { generateMeshKey } from '../../common/mesh-key.js';
import { keyedMesh, OPEN_MESH, type MeshMode } from '../../common/mesh-tls.js';
import { SigningKey } from '../../common/signing-key.js';
import type { PeerEventBody } from '../control/peer-events.js';
import { Upload } from '../transfer/upload.js';
import { sha256, sha256File } from '../../harness/mesh.js';

async function swarm(holders: number, bytes: number, mesh: MeshMode = keyedMesh(generateMeshKey())) {
  const root = mkdtempSync(join(tmpdir(), 'swarm-'));
  const requester = new PeerFolders(join(root, 'requester')).ensure();
  const hasher = new Hasher();
  // Keyed by default: every transfer connection then runs TLS-PSK, as in a real mesh.
  // One transport plays every part, so every end proves this one key: every ref below names its id.
  const key = SigningKey.generate();
  const transport = new Transport({ mesh, identity: key });
  const listener = new PeerListener(transport);
  await listener.listen('127.0.0.1', 0);
  const data = randomBytes(bytes);
  const catalogs = Array.from({ length: holders }, (_, i) => {
    const folders = new PeerFolders(join(root, `h${i}`)).ensure();
    writeFileSync(join(folders.shared, 'data.bin'), data);
    return new FileCatalog(folders, hasher, { settleMs: 0 });
  });
  // Hashed before the search: holders then answer together (hashing one after another let the first one finish a
  // small file alone on a busy machine).
  const digests = await Promise.all(catalogs.map((catalog) => catalog.digest(catalog.resolve('data.bin')!)));
  const me = { name: 'requester', id: key.id, host: '127.0.0.1', port: listener.port! };
  const uploads: Upload[] = [];
  const downloads = new Downloads(
    requester.downloads,
    hasher,
    new PartialFiles(requester.partial),
    new AddressBook(join(requester.state, 'book.json')),
    {
      self: () => me,
      index: async () => undefined, // no metadata server: the download floods
      flood: (qid, file) => {
        // Each holder answers the flood by dialling back, as peers do; 200 ms timeouts: far shorter than a transfer.
        catalogs.forEach((catalog, i) => {
          const held = catalog.resolve(file)!;
          const upload = new Upload(
            qid,
            held,
            digests[i]!,
            'requester',
            { name: `h${i}`, id: key.id, host: '127.0.0.1', port: 1 },
            { timeoutMs: 200 },
          );
          uploads.push(upload);
          void upload.dial(transport, me);
        });
        return holders;
      },
      hopLimit: () => 7,
      transport,
      member: async () => false,
      knownIdOf: () => undefined,
    },
    { queryTimeoutMs: 3000, swarm: { idleTimeoutMs: 2000 } },
  );
  listener.on('offer', (channel, offer) => downloads.onOffer(channel, offer));
  const events: PeerEventBody[] = [];
  const done = new Promise<PeerEventBody>((resolve) =>
    downloads.on('event', (e) => {
      events.push(e);
      if (e.event === 'download-complete' || e.event === 'download-failed' || e.event === 'not-found') resolve(e);
    }),
  );
  downloads.start('data');
  const outcome = await done;
  await new Promise((r) => setTimeout(r, 50));
  const close = () => {
    listener.stop();
    hasher.stop();
    rmSync(root, { recursive: true, force: true });
  };
  return { outcome, events, data, requester, close };
}

test('three holders of one file all contribute, and the file is verified', async () => {
  // Open: every holder's handshake would delay its start, and a fast first holder could then finish alone.
  const { outcome, data, requester, close } = await swarm(3, 40 * 1024 * 1024 + 5, OPEN_MESH);
  try {
    assert.is(outcome.event, 'download-complete', JSON.stringify(outcome));
    if (outcome.event !== 'download-complete') return;
    assert.is(sha256File(join(requester.root, outcome.path)), sha256(data));
    assert.is(
      outcome.sources.reduce((n, s) => n + s.bytes, 0),
      data.length,
      'every byte is credited to exactly one source',
    );
    assert.equal(outcome.sources.map((s) => s.name).sort(), ['h0', 'h1', 'h2']);
    for (const s of outcome.sources) assert.ok(s.pieces > 0, `${s.name} contributed`);
    assert.equal(readdirSync(requester.partial), [], 'no partial data or record is left');
  } finally {
    close();
  }
});

test("a transfer far longer than the holders' timeouts completes", async () => {
  const started = Date.now();
  const { outcome, close } = await swarm(1, 160 * 1024 * 1024);
  try {
    assert.ok(Date.now() - started > 200, 'the transfer outlasted the holder timeout');
    assert.is(outcome.event, 'download-complete', JSON.stringify(outcome));
  } finally {
    close();
  }
});

test.run();
