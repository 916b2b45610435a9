/**
 * bench/bridge: a file asked for in office A and held only in office B, carried by two bridges over a private
 * Hyperswarm DHT (docs/BEYOND-LAN.md "The bridge"; harness/two-offices.ts builds the namespaces). Reports the time
 * from the far bridge being asked to the verified file at the near bridge (the far office's own download plus the
 * bridge-to-bridge stream), and then office A's peer's download of it from its bridge. Needs root and the optional
 * hyperswarm packages; the "WAN" is a veth pair on this machine, unshaped.
 *
 *   npm run bench:bridge      (node dist/bench/bridge.js [--mib 64] [--runs 3])
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { LanHosts } from '../harness/lan-hosts.js';
import { sha256 } from '../harness/mesh.js';
import { TwoOffices } from '../harness/two-offices.js';
import { table } from './bench-util.js';

const { values } = parseArgs({
  options: { mib: { type: 'string', default: '64' }, runs: { type: 'string', default: '3' } },
});
const bytes = Number(values.mib) * 1024 * 1024;
const runs = Number(values.runs);
if (!LanHosts.available()) {
  console.log('bench:bridge needs root and iproute2 (network namespaces)');
  process.exit(0);
}

const offices = new TwoOffices();
const rows: (string | number)[][] = [];
try {
  await offices.up();
  const [a, b] = [offices.a!, offices.b!];
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < runs; i++) files[`run${i}.bin`] = randomBytes(bytes);
  b.mesh.seed('b1', files);
  await (await offices.startPeer(b, 'b1')).waitHashed(120_000);
  const a1 = await offices.startPeer(a, 'a1');
  const bridgeA = offices.startBridge(a, 'bridge-a');
  offices.startBridge(b, 'bridge-b');
  await bridgeA.waitFor('bridge-link', 30_000);
  for (let i = 0; i < runs; i++) {
    const name = `run${i}.bin`;
    const from = bridgeA.events.length;
    await a1.ask(name, (e) => e.event === 'not-found' || e.event === 'download-complete', 15_000);
    const fetched = await bridgeA.waitFor('bridge-fetched', 300_000, from);
    if (fetched.sha256 !== sha256(files[name]!)) throw new Error(`${name} arrived with another SHA-256`);
    let local = NaN;
    for (const until = Date.now() + 60_000; Date.now() < until && Number.isNaN(local);) {
      const done = await a1.ask(
        name,
        (e) => ['not-found', 'download-complete', 'download-failed'].includes(e.event),
        120_000,
      );
      if (done.event === 'download-complete') local = done.ms;
      else await new Promise((r) => setTimeout(r, 500));
    }
    const ms = Number(fetched.ms);
    rows.push([name, values.mib!, ms, (bytes / 1024 / 1024 / (ms / 1000)).toFixed(1), local, loadavg()[0]!.toFixed(1)]);
  }
} finally {
  await offices.close();
}
console.log(
  table(['file', 'MiB', 'across (ms)', 'across MiB/s', "a1's download from its bridge (ms)", 'load (1 min)'], rows),
);
