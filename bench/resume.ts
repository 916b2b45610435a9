/**
 * bench/resume: kill the requester with SIGKILL at ~60% of a 1 GiB download from two holders, restart it,
 * and report what resuming cost: bytes fetched again (everything the holders sent, over both runs, minus the file's
 * size; target: at most one piece per source in flight) and the time from the restart to `download-resumed` and to
 * the first new piece (target: no full re-hash, under 1 s).
 *
 *   node dist/bench/resume.js [--mib 1024] [--at 0.6]
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { PeerEvent } from '../peer/control/peer-events.js';
import { Mesh, sha256File } from '../harness/mesh.js';
import { table, writeRandomFile } from './bench-util.js';

const { values } = parseArgs({
  options: { mib: { type: 'string', default: '1024' }, at: { type: 'string', default: '0.6' } },
});
const size = Number(values.mib) * 1024 * 1024;
const MiB = 1024 * 1024;

/** Piece bytes a holder sent: from its upload-failed / upload-complete events. */
const sentBy = (events: PeerEvent[]) =>
  events.reduce((n, e) => n + (e.event === 'upload-failed' || e.event === 'upload-complete' ? e.sent : 0), 0);

const mesh = new Mesh();
try {
  await mesh.startServer();
  const first = join(mesh.seed('h1', {}), 'disk.img');
  writeRandomFile(first, size);
  copyFileSync(first, join(mesh.seed('h2', {}), 'disk.img'));
  const want = sha256File(first);
  for (const h of ['h1', 'h2']) {
    const p = await mesh.startPeer(h);
    await p.waitHashed(60_000);
  }
  const me = await mesh.startPeer('me', ['--verbose']);
  me.send('disk.img');
  const at = (await me.waitFor(
    (e) => e.event === 'download-progress' && e.received >= size * Number(values.at),
    120_000,
  )) as Extract<PeerEvent, { event: 'download-progress' }>;
  me.kill('SIGKILL');
  await me.waitExit();
  const restartAt = Date.now();
  const again = await mesh.startPeer('me', ['--verbose'], false);
  const resumed = (await again.waitFor('download-resumed', 30_000)) as Extract<
    PeerEvent,
    { event: 'download-resumed' }
  >;
  const flowing = await again.waitFor('download-started', 30_000);
  const done = (await again.waitFor(
    (e) => e.event === 'download-complete' || e.event === 'download-failed',
    300_000,
  )) as PeerEvent;
  if (done.event !== 'download-complete') throw new Error(JSON.stringify(done));
  // The holders report what they sent once their side of each transfer ends.
  await new Promise((r) => setTimeout(r, 500));
  const sent = sentBy(mesh.peer('h1').events) + sentBy(mesh.peer('h2').events);
  const refetched = sent - size;
  // Split: what the first run's holders sent beyond what was kept (lost at the kill), and what the second run's sent
  // beyond what was missing (endgame copies near the end).
  const beforeKill = mesh
    .peer('h1')
    .events.concat(mesh.peer('h2').events)
    .reduce((n, e) => n + (e.event === 'upload-failed' ? e.sent : 0), 0);
  const lostAtKill = beforeKill - resumed.have;
  const ok = sha256File(join(again.dir, done.path)) === want;
  console.log(
    `${values.mib} MiB from 2 holders; requester killed with SIGKILL at ${((at.received / size) * 100).toFixed(0)}% verified`,
  );
  console.log(
    table(
      ['measure', 'value', 'target'],
      [
        ['held when resumed', `${(resumed.have / MiB).toFixed(0)} MiB of ${(size / MiB).toFixed(0)} MiB`, '-'],
        [
          'bytes fetched again',
          `${(refetched / MiB).toFixed(1)} MiB (${Math.round(refetched / MiB)} pieces)`,
          '≤ 1 piece per source',
        ],
        ['  of which lost at the kill', `${(lostAtKill / MiB).toFixed(1)} MiB`, '-'],
        ['  of which endgame copies after the restart', `${((refetched - lostAtKill) / MiB).toFixed(1)} MiB`, '-'],
        ['restart → download-resumed', `${resumed.t - restartAt} ms`, '-'],
        ['restart → data flowing again', `${flowing.t - restartAt} ms`, '< 1000 ms, no full re-hash'],
        ['file', ok ? 'sha256 ok' : 'MISMATCH', '-'],
      ],
    ),
  );
} finally {
  await mesh.close();
}
