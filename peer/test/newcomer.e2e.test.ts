/**
 * What a newcomer looks for, with real processes on loopback (docs/CONTRACT.md "Peer commands"): a name that matches
 * nothing gets close names, `cancel` stops a download keeping its pieces (or discarding them), `partials` lists what
 * is kept, and `--downloads DIR` puts downloads elsewhere.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeRandomFile } from '../../harness/random-file.js';
import type { PeerEvent } from '../control/peer-events.js';
import { execFileSync } from 'node:child_process';
import { Mesh, PEER_BIN, sha256File, type PeerProcess } from '../../harness/mesh.js';

const MiB = 1024 * 1024;

/**
 * A holder of a 200 MiB file and a requester whose download of it is under way: the holder is frozen (SIGSTOP) as
 * soon as some pieces are verified, so the download is mid-way for as long as the test needs.
 */
async function midDownload(mesh: Mesh, file: string): Promise<{ h: PeerProcess; r: PeerProcess; want: string }> {
  await mesh.startServer();
  const shared = mesh.seed('h', {});
  writeRandomFile(join(shared, file), 200 * MiB);
  const want = sha256File(join(shared, file));
  const h = await mesh.startPeer('h');
  await h.waitHashed();
  const r = await mesh.startPeer('r', ['--verbose']);
  r.send(file);
  await r.waitFor((e) => e.event === 'download-progress' && e.received > 0, 20_000);
  h.kill('SIGSTOP');
  return { h, r, want };
}

function partialFiles(peer: PeerProcess): string[] {
  return readdirSync(join(peer.dir, '.p2p', 'partial'));
}

/** Waits (at most 5 s) until `ok` holds. */
async function until(ok: () => boolean, what: string): Promise<void> {
  for (const end = Date.now() + 5000; !ok(); await new Promise((r) => setTimeout(r, 50)))
    if (Date.now() > end) assert.unreachable(what);
}

test('a name that matches nothing gets not-found with close names from the index, and says "did you mean"', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    mesh.seed('a', { 'dataset-4mb.bin': 'data', 'notes.txt': 'the notes' });
    const a = await mesh.startPeer('a');
    await a.waitHashed();
    const b = await mesh.startPeer('b');
    const missing = await b.ask('dataset', (e) => e.event === 'not-found' && e.cmd === 1, 15_000);
    assert.ok(missing.event === 'not-found');
    if (missing.event !== 'not-found') return;
    assert.equal(missing.suggestions, ['dataset-4mb.bin']);
    assert.match(missing.message ?? '', /did you mean dataset-4mb\.bin\?/);
    await until(() => /did you mean dataset-4mb\.bin\?/.test(b.stderr), 'the sentence on stderr too');
    const help = await b.ask('help', 'help');
    const commands = help.event === 'help' ? help.commands.map((c) => c.command) : [];
    assert.ok(
      ['cancel FILE', 'cancel FILE --discard', 'partials'].every((c) => commands.includes(c)),
      `${commands}`,
    );
    const none = await b.ask('zzzzzz', (e) => e.event === 'not-found' && e.cmd === 3, 15_000);
    assert.ok(none.event === 'not-found' && none.suggestions?.length === 0, JSON.stringify(none));
    // Exactly one terminal event per download command.
    assert.is(b.events.filter((e) => e.event === 'not-found').length, 2);
  } finally {
    await mesh.close();
  }
});

test('cancel stops a download mid-way keeping its pieces; partials shows them; asking again resumes', async () => {
  const mesh = new Mesh();
  try {
    const { h, r, want } = await midDownload(mesh, 'movie.bin');
    const size = 200 * MiB;
    // Line 1 started the download; line 2 cancels it.
    const cancelled = await r.ask('cancel movie.bin', 'download-cancelled', 5_000);
    if (cancelled.event !== 'download-cancelled') return assert.unreachable();
    const started = r.events.find((e) => e.event === 'download-started');
    assert.is(cancelled.download, started?.event === 'download-started' ? started.download : '');
    assert.is(cancelled.cmd, 1, 'the download line gets its one terminal event');
    assert.is(cancelled.by, 2, 'and names the cancel line');
    assert.is(cancelled.discarded, false);
    const kept = cancelled.kept;
    assert.ok(kept > 0 && kept < size, `some pieces were kept (${kept})`);
    assert.not.ok(
      r.events.some((e) => e.event === 'download-failed' || e.event === 'download-complete'),
      'no other outcome',
    );

    const listed = await r.ask('partials', (e) => e.event === 'partials' && e.cmd === 3);
    if (listed.event !== 'partials') return assert.unreachable();
    assert.is(listed.files.length, 1);
    const entry = listed.files[0]!;
    assert.equal(
      [entry.file, entry.bytes, entry.have, entry.sha256, entry.running],
      ['movie.bin', size, kept, want, false],
    );
    assert.is(entry.percent, Math.floor((kept / size) * 100));
    assert.ok(Date.now() - entry.modified < 60_000, 'modified recently');

    const refused = await r.ask('cancel movie.bin', (e) => e.event === 'error' && e.cmd === 4);
    assert.match(refused.event === 'error' ? refused.message : '', /not being downloaded; .* are kept.*--discard/);
    const nothing = await r.ask('cancel ghost.bin', (e) => e.event === 'error' && e.cmd === 5);
    assert.match(nothing.event === 'error' ? nothing.message : '', /ghost\.bin is not being downloaded/);

    // The holder wakes up: its transfer to r was closed, nothing more is asked of it.
    h.kill('SIGCONT');
    await h.waitFor('upload-failed', 10_000);
    const from = r.events.length;
    r.send('movie.bin');
    const resumed = await r.waitFor('download-resumed', 10_000, from);
    if (resumed.event !== 'download-resumed') return assert.unreachable();
    // Pieces written but not yet checked when it was cancelled are checked from disk now, not fetched again.
    assert.ok(resumed.have >= kept && resumed.have < size, `resumes from what was kept: ${resumed.have} ≥ ${kept}`);
    const done = await r.waitFor((e) => e.event === 'download-complete' || e.event === 'download-failed', 60_000, from);
    if (done.event !== 'download-complete') return assert.unreachable(JSON.stringify(done).slice(0, 300));
    assert.is(
      done.sources.reduce((n, s) => n + s.bytes, 0),
      size - resumed.have,
      'only the missing bytes were fetched',
    );
    assert.is(sha256File(join(r.dir, done.path)), want);
    assert.equal(partialFiles(r), []);
  } finally {
    await mesh.close();
  }
});

test('cancel --discard deletes the partial data, of a running download and of a kept one', async () => {
  const mesh = new Mesh();
  try {
    const { h, r } = await midDownload(mesh, 'big.bin');
    assert.is(partialFiles(r).length, 3, 'data, record, bitfield');
    const gone = await r.ask('cancel big.bin --discard', 'download-cancelled', 5_000);
    assert.ok(gone.event === 'download-cancelled' && gone.discarded && gone.kept === 0, JSON.stringify(gone));
    assert.equal(partialFiles(r), [], 'nothing kept');

    // Again, kept this time, then forgotten without being started.
    h.kill('SIGCONT');
    const from = r.events.length;
    r.send('big.bin');
    await r.waitFor((e) => e.event === 'download-progress' && e.received > 0, 20_000, from);
    h.kill('SIGSTOP');
    const kept = await r.ask('cancel big', 'download-cancelled', 5_000);
    assert.ok(kept.event === 'download-cancelled' && kept.kept > 0 && !kept.discarded, JSON.stringify(kept));
    assert.is(partialFiles(r).length, 3);
    const forgotten = await r.ask('cancel big.bin --discard', 'download-cancelled', 5_000);
    assert.ok(forgotten.event === 'download-cancelled' && forgotten.discarded, JSON.stringify(forgotten));
    assert.is(forgotten.download, kept.event === 'download-cancelled' ? kept.download : '', 'the same download');
    assert.equal(partialFiles(r), []);
    const listed = await r.ask('partials', 'partials');
    assert.ok(listed.event === 'partials' && listed.files.length === 0);

    // Discarded while its resume is still opening the partial file: nothing is left either.
    h.kill('SIGCONT');
    const again = r.events.length;
    r.send('big.bin');
    await r.waitFor((e) => e.event === 'download-progress' && e.received > 0, 20_000, again);
    h.kill('SIGSTOP');
    await r.ask('cancel big.bin', 'download-cancelled', 5_000);
    const racing = r.events.length;
    r.send('big.bin\ncancel big.bin --discard'); // one write: the cancel runs while the resume opens the file
    const raced = await r.waitFor('download-cancelled', 5_000, racing);
    assert.ok(raced.event === 'download-cancelled' && raced.discarded, JSON.stringify(raced));
    await until(() => partialFiles(r).length === 0, `nothing kept: ${partialFiles(r)}`);

    // Two cancels in one write: the first decides (kept), the second is told so; the event does not lie.
    h.kill('SIGCONT');
    const twice = r.events.length;
    r.send('big.bin');
    await r.waitFor((e) => e.event === 'download-progress' && e.received > 0, 20_000, twice);
    h.kill('SIGSTOP');
    const first = r.events.length;
    r.send('cancel big.bin\ncancel big.bin --discard');
    const decided = await r.waitFor('download-cancelled', 5_000, first);
    const told = await r.waitFor((e) => e.event === 'error' && /already being cancelled/.test(e.message), 5_000, first);
    assert.ok(decided.event === 'download-cancelled' && !decided.discarded, JSON.stringify(decided));
    assert.ok(told.cmd !== undefined && decided.event === 'download-cancelled' && told.cmd === decided.by + 1);
    assert.is(partialFiles(r).length, 3, 'kept, as the event says');
    h.kill('SIGCONT');
  } finally {
    await mesh.close();
  }
});

test('--help lists --downloads and the new commands', () => {
  const usage = execFileSync(process.execPath, [PEER_BIN, '--help'], { encoding: 'utf8' });
  for (const word of ['--downloads DIR', 'cancel FILE [--discard]', 'partials']) assert.ok(usage.includes(word), word);
});

test('a script that cancels what it asked for ends (--exit-when-done): the cancel line is answered too', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    await mesh.startPeer('a');
    const b = await mesh.startPeer('b', ['--exit-when-done', '--query-timeout', '20000']);
    b.send('ghost.bin');
    await b.waitFor('query-sent');
    b.send('cancel ghost.bin');
    b.child.stdin!.end();
    assert.is(await b.waitExit(5_000), 0, 'left without waiting for the 20 s search');
  } finally {
    await mesh.close();
  }
});

test('when the holder now has a different file under the name, a resume says so and how to get the new one', async () => {
  const mesh = new Mesh();
  try {
    const { h, r } = await midDownload(mesh, 'big.bin');
    await r.ask('cancel big.bin', 'download-cancelled', 5_000);
    // The holder's file is replaced while it is away (a new version of the same name).
    h.kill('SIGKILL');
    await h.waitExit();
    writeRandomFile(join(mesh.dirOf('h'), 'shared', 'big.bin'), 4 * MiB);
    const want = sha256File(join(mesh.dirOf('h'), 'shared', 'big.bin'));
    const h2 = await mesh.startPeer('h');
    await h2.waitHashed();
    const failed = await r.ask('big.bin', 'download-failed', 20_000);
    const reason = failed.event === 'download-failed' ? failed.reason : '';
    assert.match(reason, /h now offers a different big\.bin/, reason);
    assert.match(reason, /cancel big\.bin --discard, then ask again/, reason);
    // Doing what it says gets the new version.
    await r.ask('cancel big.bin --discard', 'download-cancelled', 5_000);
    const done = await r.ask('big.bin', 'download-complete', 20_000);
    assert.is(done.event === 'download-complete' && done.sha256, want);
  } finally {
    await mesh.close();
  }
});

test('cancel while still searching: the search ends at once, and no not-found follows', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    await mesh.startPeer('a');
    const b = await mesh.startPeer('b', ['--query-timeout', '1500']);
    b.send('ghost.bin');
    await b.waitFor('query-sent');
    const cancelled = await b.ask('cancel ghost.bin', 'download-cancelled', 2_000);
    assert.ok(
      cancelled.event === 'download-cancelled' && cancelled.cmd === 1 && cancelled.by === 2 && cancelled.kept === 0,
      JSON.stringify(cancelled),
    );
    await new Promise((r) => setTimeout(r, 2500));
    const ends = (e: PeerEvent) => ['not-found', 'download-failed', 'download-cancelled'].includes(e.event);
    assert.is(b.events.filter(ends).length, 1, 'exactly one terminal event');
  } finally {
    await mesh.close();
  }
});

test('--downloads DIR puts downloads there (outside or inside the folder, across file systems); they are held and served', async () => {
  const mesh = new Mesh();
  // Another file system when there is one: the finished file is then copied beside its place, then linked in.
  const shm = existsSync('/dev/shm') && statSync('/dev/shm').dev !== statSync(mesh.root).dev;
  const elsewhere = shm ? mkdtempSync('/dev/shm/p2p-downloads-') : join(mesh.root, 'other-fs');
  try {
    await mesh.startServer();
    const shared = mesh.seed('a', {});
    writeRandomFile(join(shared, 'dataset-4mb.bin'), 4 * MiB);
    const want = sha256File(join(shared, 'dataset-4mb.bin'));
    const a = await mesh.startPeer('a');
    await a.waitHashed();

    // Outside the peer's folder, given relative to the current directory: `path` is absolute.
    const outside = join(mesh.root, 'b-incoming');
    const b = await mesh.startPeer('b', ['--downloads', relative(process.cwd(), outside)]);
    const ready = b.events.find((e) => e.event === 'ready');
    assert.is(ready?.event === 'ready' ? ready.downloads : '', outside);
    const done = await b.ask('dataset-4mb.bin', 'download-complete', 20_000);
    if (done.event !== 'download-complete') return assert.unreachable();
    assert.is(done.path, join(outside, 'dataset-4mb.bin'));
    assert.is(sha256File(done.path), want);
    assert.not.ok(existsSync(join(b.dir, 'Downloads')), 'no Downloads/ in the folder');
    const held = await b.ask('dataset-4mb', (e) => e.event === 'already-have' && e.cmd === 2);
    assert.ok(held.event === 'already-have' && held.path === done.path, JSON.stringify(held));

    // Inside the peer's folder: `path` is relative to it.
    const c = await mesh.startPeer('c', ['--downloads', join(mesh.dirOf('c'), 'incoming')]);
    const inside = await c.ask('dataset-4mb.bin', 'download-complete', 20_000);
    assert.ok(
      inside.event === 'download-complete' && inside.path === 'incoming/dataset-4mb.bin',
      JSON.stringify(inside),
    );
    assert.is(sha256File(join(c.dir, 'incoming', 'dataset-4mb.bin')), want);

    // On another file system, and served from there once the only other holders are gone.
    const d = await mesh.startPeer('d', ['--downloads', elsewhere]);
    const copied = await d.ask('dataset-4mb.bin', 'download-complete', 20_000);
    assert.ok(copied.event === 'download-complete', JSON.stringify(copied));
    assert.is(sha256File(join(elsewhere, 'dataset-4mb.bin')), want);
    assert.equal(readdirSync(elsewhere), ['dataset-4mb.bin'], 'no temporary file left behind');
    await d.waitHashed();
    for (const p of [a, b, c]) p.kill('SIGKILL');
    const e = await mesh.startPeer('e');
    const served = await e.ask('dataset-4mb.bin', 'download-complete', 20_000);
    assert.ok(served.event === 'download-complete' && served.from === 'd', JSON.stringify(served));
    assert.is(sha256File(join(e.dir, served.path)), want);

    // Mixing downloads with what the peer shares is refused.
    const refused = await mesh.startPeer('f', ['--downloads', join(mesh.dirOf('f'), 'shared')], false);
    assert.is(await refused.waitExit(), 2);
    assert.match(refused.stderr, /--downloads .* give another folder/);
    // Also through a link: a folder that leads into shared/ or the hidden state is refused by its real path.
    const linked = join(mesh.root, 'looks-elsewhere');
    symlinkSync(join(mesh.dirOf('g'), '.p2p'), linked);
    mkdirSync(join(mesh.dirOf('g'), '.p2p'), { recursive: true });
    const sneaky = await mesh.startPeer('g', ['--downloads', linked], false);
    assert.is(await sneaky.waitExit(), 2);
    assert.match(sneaky.stderr, /--downloads .* give another folder/);
  } finally {
    await mesh.close();
    rmSync(elsewhere, { recursive: true, force: true });
  }
});

test.run();
