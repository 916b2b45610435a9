#!/usr/bin/env node
/**
 * Measures what the dashboard costs a big transfer (docs/performance.md: "a 1 GiB transfer with the dashboard open is no more
 * than 10% slower than headless"). One holder shares a seeded file; the same requester name fetches it
 * alternately headless and with its dashboard in tmux, several rounds, timed from sending the command to the
 * verified file appearing in Downloads/ (the peer renames it into place once checked; it is deleted between
 * rounds). Prints each round and the median ratio.
 *
 *   node dist/tui/dashboard-overhead.js [--mib 1024] [--rounds 3]
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeSeededFile } from '../demo/demo-fixtures.js';
import {
  choosePeerPorts,
  PEER_MAIN,
  startHeadlessPeer,
  startServer,
  stopProcesses,
  type ManagedProcess,
} from '../demo/demo-processes.js';
import { TmuxSession } from '../harness/tmux-session.js';

const { values } = parseArgs({
  options: { mib: { type: 'string', default: '1024' }, rounds: { type: 'string', default: '3' } },
});
const bytes = Number(values.mib) * 1024 * 1024;
const rounds = Number(values.rounds);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function poll(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const root = mkdtempSync(join(tmpdir(), 'meshshare-overhead-'));
const started: ManagedProcess[] = [];
let tmux: TmuxSession | null = null;
try {
  mkdirSync(join(root, 'holder', 'shared'), { recursive: true });
  writeSeededFile(join(root, 'holder', 'shared', 'big.bin'), bytes, 7);
  const keyFile = join(root, 'mesh.key');
  const server = await startServer({ logFile: join(root, 'server.log'), keyFile, peerPorts: await choosePeerPorts() });
  started.push(server.process);
  let digests = false;
  started.push(
    await startHeadlessPeer({
      name: 'holder',
      server: server.address,
      dir: join(root, 'holder'),
      logFile: join(root, 'holder.log'),
      keyFile,
      onEvent: (e) => {
        if (e.event === 'log' && /hashes ready/.test(String(e['message']))) digests = true;
      },
    }),
  );
  await poll(() => digests, 600_000, "the holder's digests");
  const target = join(root, 'requester', 'Downloads', 'big.bin');
  const times: { headless: number[]; dashboard: number[] } = { headless: [], dashboard: [] };

  for (let round = 0; round < rounds; round += 1) {
    const requester = await startHeadlessPeer({
      name: 'requester',
      server: server.address,
      dir: join(root, 'requester'),
      logFile: join(root, 'requester.log'),
      keyFile,
      stdin: 'pipe',
    });
    const t0 = Date.now();
    requester.child.stdin!.write('big.bin\n');
    await poll(() => existsSync(target), 600_000, 'the headless download');
    times.headless.push(Date.now() - t0);
    await stopProcesses([requester]);
    unlinkSync(target);

    tmux = TmuxSession.start({
      command: [process.execPath, PEER_MAIN, 'requester', '--server', server.address, '--dir', join(root, 'requester')],
      width: 120,
      height: 40,
    });
    await tmux.waitFor('joined the mesh as requester', 15_000);
    tmux.type('big.bin');
    const t1 = Date.now();
    tmux.sendKeys('Enter');
    await poll(() => existsSync(target), 600_000, 'the dashboard download');
    times.dashboard.push(Date.now() - t1);
    tmux.type('Stop');
    tmux.sendKeys('Enter');
    await tmux.waitForExit(10_000);
    tmux.kill();
    tmux = null;
    unlinkSync(target);
    console.log(`round ${round + 1}: headless ${times.headless[round]} ms, dashboard ${times.dashboard[round]} ms`);
  }
  const h = median(times.headless);
  const d = median(times.dashboard);
  const mbps = (ms: number) => (bytes / 1e6 / (ms / 1000)).toFixed(0);
  console.log(
    `${values.mib} MiB, median of ${rounds}: headless ${h} ms (${mbps(h)} MB/s), dashboard ${d} ms (${mbps(d)} MB/s): ` +
      `dashboard/headless = ${(d / h).toFixed(3)}`,
  );
} finally {
  tmux?.kill();
  await stopProcesses(started.filter((p) => p.name !== 'metadata server'));
  await stopProcesses(started);
  rmSync(root, { recursive: true, force: true });
}
