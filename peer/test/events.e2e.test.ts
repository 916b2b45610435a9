/**
 * Events with identities, real processes on loopback (docs/ARCHITECTURE.md, "Events with identities"): every
 * command line read gets a sequence number that its answers and its download's events carry as `cmd`; a download
 * keeps one `download` id through every round of searching (fresh `query` ids), a retry after its holder left, and a
 * resume after the requester restarts.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeRandomFile } from '../../harness/random-file.js';
import type { PeerEvent } from '../control/peer-events.js';
import { Mesh, sha256File } from '../../harness/mesh.js';

const MiB = 1024 * 1024;

/** Events that belong to a download (they all carry its id). */
function downloadEvents(events: PeerEvent[]): (PeerEvent & { download: string })[] {
  return events.filter((e): e is PeerEvent & { download: string } => 'download' in e);
}

test('answers carry the number of the command line that caused them; what no command caused carries none', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    mesh.seed('a', { 'notes.txt': 'the notes' });
    const a = await mesh.startPeer('a');
    await a.waitHashed();
    const b = await mesh.startPeer('b');
    const answer = (line: string, event: PeerEvent['event'], cmd: number, timeoutMs = 10_000) =>
      b.ask(line, (e) => e.event === event && e.cmd === cmd, timeoutMs);

    assert.ok(await answer('help', 'help', 1));
    b.send(''); // an empty line is line 2: nothing answers it, but it counts
    assert.ok(await answer('find notes', 'find-results', 3));
    assert.ok(await answer('TOPO', 'topology', 4));
    assert.ok(await answer('files', 'files', 5));
    assert.ok(await answer('where notes.txt', 'where', 6));
    const refused = await answer('find', 'error', 7);
    assert.match(refused.event === 'error' ? refused.message : '', /find needs a pattern/);

    const missing = await answer('ghost.txt', 'not-found', 8);
    const sent = b.events.find((e) => e.event === 'query-sent' && e.file === 'ghost.txt');
    assert.ok(
      sent?.event === 'query-sent' &&
        missing.event === 'not-found' &&
        sent.download === missing.download &&
        sent.cmd === 8 &&
        sent.hops === 2, // the hop limit it starts with (the server: 1 hop reaches a; plus 1), not what is left
      JSON.stringify(sent),
    );

    const done = await answer('notes', 'download-complete', 9);
    assert.ok(
      done.event === 'download-complete' && missing.event === 'not-found' && done.download !== missing.download,
      'another download, another id',
    );
    for (const e of downloadEvents(b.events)) {
      assert.is(e.cmd, e.download === missing.download ? 8 : 9, `${e.event} ${JSON.stringify(e)}`);
    }
    assert.ok(await answer('notes.txt', 'already-have', 10));
    const notMirror = await answer('mirror', 'error', 11);
    assert.match(notMirror.event === 'error' ? notMirror.message : '', /does not mirror: start it with --mirror/);

    // Not caused by a command: joining, neighbours, the files listing sent when Downloads/ changed.
    await b.waitFor(
      (e) => e.event === 'files' && e.cmd === undefined && e.downloads.some((f) => f.name === 'notes.txt'),
      5_000,
    );
    for (const e of b.events.filter((x) => ['ready', 'neighbour-up', 'server'].includes(x.event)))
      assert.is(e.cmd, undefined, e.event);
    assert.ok(
      a.events.every((e) => e.cmd === undefined),
      'nothing was typed at a',
    );

    const leaving = await answer('Stop', 'leaving', 12);
    assert.ok(leaving.event === 'leaving' && leaving.reason === 'stopped by the user');
    assert.ok(await b.waitFor((e) => e.event === 'stopped' && e.cmd === 12, 5_000));
    assert.is(await b.waitExit(), 0);
  } finally {
    await mesh.close();
  }
});

test('one download id through search rounds after its holder left, a retry, and a resume after the requester restarts', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    const size = 256 * MiB;
    const shared = mesh.seed('h', {});
    writeRandomFile(join(shared, 'movie.bin'), size);
    const want = sha256File(join(shared, 'movie.bin'));
    const h = await mesh.startPeer('h');
    await h.waitHashed();
    // A short query timeout: the rounds of searching after the holder left take seconds, not tens.
    const r = await mesh.startPeer('r', ['--verbose', '--query-timeout', '500']);

    // 1. The holder dies as data starts flowing: the download searches again (flooding under fresh query ids), then
    // gives up keeping its pieces. Every event is the one download of command 1.
    r.send('movie.bin');
    await r.waitFor((e) => e.event === 'download-started' && e.cmd === 1, 20_000);
    h.kill('SIGKILL');
    const failed = await r.waitFor('download-failed', 30_000);
    assert.ok(failed.event === 'download-failed' && (failed.kept ?? 0) < size, JSON.stringify(failed));
    const id = failed.event === 'download-failed' ? failed.download : '';
    const first = downloadEvents(r.events);
    assert.ok(
      first.every((e) => e.download === id && e.cmd === 1),
      JSON.stringify(first.filter((e) => e.download !== id || e.cmd !== 1)).slice(0, 500),
    );
    const rounds = r.events.filter((e) => e.event === 'query-sent');
    assert.ok(rounds.length >= 2, `searched again after the holder left (${rounds.length} rounds)`);
    assert.is(
      new Set(rounds.map((e) => (e.event === 'query-sent' ? e.query : ''))).size,
      rounds.length,
      'each round floods under a fresh query id',
    );

    // 2. The holder is back; asked again (command 2), the download resumes under the same id.
    const back = await mesh.startPeer('h');
    await back.waitHashed();
    const from = r.events.length;
    r.send('movie.bin');
    const resumed = await r.waitFor('download-resumed', 10_000, from);
    assert.ok(
      resumed.event === 'download-resumed' && resumed.download === id && resumed.cmd === 2,
      JSON.stringify(resumed),
    );
    await r.waitFor((e) => e.event === 'download-started' && e.cmd === 2, 20_000, from);

    // 3. The requester is killed mid-way and restarted: it resumes on its own, same id, no command.
    r.kill('SIGKILL');
    await r.waitExit();
    const again = await mesh.startPeer('r', ['--verbose']);
    const done = await again.waitFor((e) => e.event === 'download-complete' || e.event === 'download-failed', 60_000);
    assert.is(done.event, 'download-complete', JSON.stringify(done).slice(0, 300));
    const after = downloadEvents(again.events);
    assert.ok(
      after.some((e) => e.event === 'download-resumed'),
      'resumed at start-up',
    );
    assert.ok(
      after.every((e) => e.download === id && e.cmd === undefined),
      JSON.stringify(after.slice(0, 3)),
    );
    if (done.event === 'download-complete') assert.is(sha256File(join(again.dir, done.path)), want);
  } finally {
    await mesh.close();
  }
});

test.run();
