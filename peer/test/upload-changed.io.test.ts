/**
 * The holder's side when the file changes under an upload (peer/transfer/upload.ts), over loopback sockets: pieces
 * read before the change go out; once the file on disk no longer looks as it did when it was hashed, the upload
 * fails with a reason saying so and sends nothing more, so no byte leaves that its offer does not describe.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Hasher } from '../content/hasher.js';
import { FileCatalog } from '../files/file-catalog.js';
import { PeerFolders } from '../files/peer-folders.js';
import { Upload } from '../transfer/upload.js';
import { PeerListener } from '../transport/peer-listener.js';
import { Transport } from '../transport/transport.js';
import { generateMeshKey } from '../../common/mesh-key.js';
import { SigningKey } from '../../common/signing-key.js';
import { keyedMesh } from '../../common/mesh-tls.js';

const MiB = 1024 * 1024;
const digest = (b: Uint8Array) => createHash('sha256').update(b).digest();

test('a file rewritten mid-upload: the upload fails with a clear reason and no piece of the new bytes is sent', async () => {
  const root = mkdtempSync(join(tmpdir(), 'upload-changed-'));
  const hasher = new Hasher();
  const key = SigningKey.generate(); // both ends: every ref names its id
  const transport = new Transport({ mesh: keyedMesh(generateMeshKey()), identity: key });
  const listener = new PeerListener(transport);
  try {
    await listener.listen('127.0.0.1', 0);
    const folders = new PeerFolders(join(root, 'holder')).ensure();
    const path = join(folders.shared, 'data.bin');
    writeFileSync(path, randomBytes(4 * MiB));
    const past = new Date(Date.now() - 60_000); // written a minute ago: settled
    utimesSync(path, past, past);
    const catalog = new FileCatalog(folders, hasher);
    const held = catalog.resolve('data.bin')!;
    assert.ok(held, 'a settled file is offered');
    const { manifest, stamp } = await catalog.version(held);
    const me = { name: 'requester', id: key.id, host: '127.0.0.1', port: listener.port! };
    const holder = { name: 'holder', id: key.id, host: '127.0.0.1', port: 1 };
    const upload = new Upload('query-0001', held, manifest, 'requester', holder, { readAhead: 1 }, stamp);
    const failed = new Promise<string>((resolve) => {
      upload.on('failed', (reason) => resolve(reason));
      upload.on('complete', () => resolve('complete'));
      setTimeout(() => resolve('still running after 5 s'), 5000);
    });
    const received: { index: number; ok: boolean }[] = [];
    listener.on('offer', (channel) => {
      channel.setMaxFrameBytes(2 * MiB);
      channel.send('want', { qid: 'query-0001', pieces: [0] });
      channel.on('message', (msg) => {
        if (msg.kind !== 'piece') return;
        const { index, data } = msg.body;
        received.push({ index, ok: digest(data).equals(manifest.pieces.subarray(index * 32, index * 32 + 32)) });
        if (index !== 0) return;
        // Another program rewrites the file (same size, new bytes) before the next piece is asked for.
        writeFileSync(path, randomBytes(4 * MiB));
        utimesSync(path, new Date(), new Date(Date.now() + 5000));
        channel.send('want', { qid: 'query-0001', pieces: [1, 2, 3] });
      });
    });
    void upload.dial(transport, me);
    const reason = await failed;
    assert.match(reason, /data\.bin changed on disk while being sent/);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(received, [{ index: 0, ok: true }], 'only the piece read before the change was sent');
  } finally {
    listener.stop();
    hasher.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
