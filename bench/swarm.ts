/**
 * bench/swarm: a star of network namespaces, one holder per namespace, each holder's link shaped to
 * 200 Mbit/s with `tc` (the requester, in the root namespace with the metadata server, is not shaped). Downloads a
 * file from 1 holder and from 4 holders, prints both times and the speedup, and tears everything down. Traffic stays
 * inside the namespaces and the bridge this script makes. Needs root and iproute2.
 *
 *   node dist/bench/swarm.js [--mib 200] [--rate 200mbit]
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { PeerEvent } from '../peer/control/peer-events.js';
import { LanHosts } from '../harness/lan-hosts.js';
import { Mesh, sha256File } from '../harness/mesh.js';
import { table, writeRandomFile } from './bench-util.js';

const { values } = parseArgs({
  options: { mib: { type: 'string', default: '200' }, rate: { type: 'string', default: '200mbit' } },
});
const size = Number(values.mib) * 1024 * 1024;

if (!LanHosts.available()) {
  console.error('bench/swarm needs root and iproute2 (network namespaces)');
  process.exit(2);
}

const lan = new LanHosts();
const mesh = new Mesh();
try {
  const hosts = lan.up(4);
  // Shape each holder's egress (its eth0 inside its namespace) to the rate: a token bucket, as in the issue.
  for (const ns of lan.namespaces)
    execFileSync('ip', [
      'netns',
      'exec',
      ns,
      'tc',
      'qdisc',
      'add',
      'dev',
      'eth0',
      'root',
      'tbf',
      'rate',
      values.rate!,
      'burst',
      '64kb',
      'latency',
      '50ms',
    ]);
  await mesh.startServer(['--host', lan.gateway]);
  const first = join(mesh.seed('h1', {}), 'payload.bin');
  writeRandomFile(first, size);
  for (const h of ['h2', 'h3', 'h4']) copyFileSync(first, join(mesh.seed(h, {}), 'payload.bin'));
  const want = sha256File(first);
  for (let i = 0; i < 4; i++) {
    const p = await mesh.startPeer(`h${i + 1}`, ['--host', hosts[i]!], true, lan.exec(i));
    await p.waitHashed(60_000);
  }
  const me = await mesh.startPeer('me', ['--host', lan.gateway]);

  const run = async (holders: string[]) => {
    // Only the chosen holders stay up for this run: stop the others' sharing by stopping them.
    const t0 = Date.now();
    const done = (await me.ask(
      'payload.bin',
      (e) => e.event === 'download-complete' || e.event === 'download-failed',
      300_000,
    )) as PeerEvent;
    if (done.event !== 'download-complete') throw new Error(JSON.stringify(done));
    const ok = sha256File(join(me.dir, done.path)) === want;
    unlinkSync(join(me.dir, done.path));
    return {
      seconds: (done.t - t0) / 1000,
      sources: done.sources.map((s) => `${s.name} ${(s.bytes / 1024 / 1024).toFixed(0)}`).join(', '),
      ok,
      holders,
    };
  };

  const four = await run(['h1', 'h2', 'h3', 'h4']);
  for (const h of ['h2', 'h3', 'h4']) {
    mesh.peer(h).send('Stop');
    await mesh.peer(h).waitExit();
  }
  await new Promise((r) => setTimeout(r, 500)); // the index forgets them
  const one = await run(['h1']);
  console.log(`${values.mib} MiB, each holder's link shaped to ${values.rate}, requester unshaped`);
  console.log(
    table(
      ['holders', 'seconds', 'MiB per source', 'speedup', 'check'],
      [
        [1, one.seconds.toFixed(2), one.sources, '1.00', one.ok ? 'sha256 ok' : 'MISMATCH'],
        [
          4,
          four.seconds.toFixed(2),
          four.sources,
          (one.seconds / four.seconds).toFixed(2),
          four.ok ? 'sha256 ok' : 'MISMATCH',
        ],
      ],
    ),
  );
} finally {
  await mesh.close();
  lan.down();
}
