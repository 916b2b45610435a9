/**
 * What a peer does not share, said once (real processes, headless): a folder inside shared/, a name with control
 * characters (printed escaped), and a `--dir` that already holds files outside shared/ (docs/CONTRACT.md "Folders").
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Mesh, type PeerProcess } from '../../harness/mesh.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const logs = (p: PeerProcess) => p.events.flatMap((e) => (e.event === 'log' ? [e.message] : []));
const count = (p: PeerProcess, text: string) => logs(p).filter((m) => m.includes(text)).length;

test('subfolders and names with control characters are reported once each, escaped; plain files are shared', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    const shared = mesh.seed('n', { 'ok.txt': 'fine', 'tab\tname.txt': 'tab', 'new\nline.txt': 'newline' });
    mkdirSync(join(shared, 'sub', 'deeper'), { recursive: true });
    writeFileSync(join(shared, 'sub', 'deeper', 'nested.txt'), 'nested');
    const n = await mesh.startPeer('n');
    await n.waitHashed();
    const files = await n.ask('files', 'files');
    assert.ok(files.event === 'files' && files.shared.map((f) => f.name).join() === 'ok.txt', JSON.stringify(files));
    await sleep(2500); // a few rescans: nothing is said again
    const folder = 'shared/sub/ is a folder: subfolders are not shared (yet); put files directly in shared/';
    assert.is(count(n, folder), 1, JSON.stringify(logs(n)));
    assert.is(count(n, 'shared/tab\\tname.txt: a name with control characters cannot be shared'), 1);
    assert.is(count(n, 'shared/new\\nline.txt: a name with control characters cannot be shared'), 1);
    assert.not.ok(
      logs(n).some((m) => /[\n\t]/.test(m)),
      'names are printed escaped',
    );

    // A new folder dropped in while running is reported once too.
    mkdirSync(join(shared, 'album'));
    await n.waitFor((e) => e.event === 'log' && e.message.startsWith('shared/album/ is a folder'), 5000);
    await sleep(2500);
    assert.is(count(n, 'shared/album/ is a folder'), 1);
    assert.is(count(n, folder), 1);
  } finally {
    await mesh.close();
  }
});

test('--dir pointing at a folder of files says that only shared/ is shared; not again once it is a peer folder', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    const dir = mesh.dirOf('mu');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'song.mp3'), 'la la la');
    const mu = await mesh.startPeer('mu');
    const note = `${dir} holds 1 file outside shared/: a peer shares only what is in its shared/ folder`;
    await mu.waitFor((e) => e.event === 'log' && e.message.includes(note), 5000);
    mu.send('Stop');
    assert.is(await mu.waitExit(), 0);
    const again = await mesh.startPeer('mu');
    await again.waitHashed();
    assert.is(count(again, 'outside shared/'), 0, 'said only for a folder that is not yet a peer folder');
  } finally {
    await mesh.close();
  }
});

test.run();
