/**
 * What a peer does not share, said once (real processes, headless): a link leading out, a name with control
 * characters (printed escaped), and a `--dir` that already holds files outside shared/, while subfolders are shared
 * (docs/CONTRACT.md "Folders").
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Mesh, type PeerProcess } from '../../harness/mesh.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const logs = (p: PeerProcess) => p.events.flatMap((e) => (e.event === 'log' ? [e.message] : []));
const count = (p: PeerProcess, text: string) => logs(p).filter((m) => m.includes(text)).length;

test('subfolders are shared; names with control characters and links leading out are reported once each, escaped', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    const shared = mesh.seed('n', { 'ok.txt': 'fine', 'tab\tname.txt': 'tab', 'new\nline.txt': 'newline' });
    mkdirSync(join(shared, 'sub', 'deeper'), { recursive: true });
    writeFileSync(join(shared, 'sub', 'deeper', 'nested.txt'), 'nested');
    symlinkSync(mesh.root, join(shared, 'sub', 'out'));
    const n = await mesh.startPeer('n');
    await n.waitHashed();
    const files = await n.ask('files', 'files');
    assert.ok(
      files.event === 'files' && files.shared.map((f) => f.name).join() === 'ok.txt,sub/deeper/nested.txt',
      JSON.stringify(files),
    );
    await sleep(2500); // refreshes meanwhile: nothing is said again
    const out = 'shared/sub/out is a link leading out of shared/: it is not shared';
    assert.is(count(n, out), 1, JSON.stringify(logs(n)));
    assert.is(count(n, 'shared/tab\\tname.txt: a name with control characters cannot be shared'), 1);
    assert.is(count(n, 'shared/new\\nline.txt: a name with control characters cannot be shared'), 1);
    assert.is(count(n, 'subfolders are not shared'), 0);
    assert.not.ok(
      logs(n).some((m) => /[\n\t]/.test(m)),
      'names are printed escaped',
    );

    // A folder dropped in while running is shared, and what it holds but cannot share is reported once too.
    mkdirSync(join(shared, 'album'));
    writeFileSync(join(shared, 'album', 'bad\tsong.mp3'), 'x');
    await n.waitFor((e) => e.event === 'log' && e.message.startsWith('shared/album/bad\\tsong.mp3: a name'), 5000);
    await sleep(2500);
    assert.is(count(n, 'shared/album/bad\\tsong.mp3'), 1);
    assert.is(count(n, out), 1);
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
