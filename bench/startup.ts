/**
 * bench/startup: how long the commands take to start, installed as README.md "Install the commands" says
 * (`npm install -g .`, here into a private prefix) and, as the baseline, through `npx`. For each, the median and
 * the worst of N runs:
 * - `peer --version` and `metadata-server --version` (process start to exit);
 * - `metadata-server` until it listens;
 * - `peer NAME --headless` until `ready` (joined a mesh of three peers, neighbours connected);
 * - `peer NAME` with its dashboard in a real terminal (tmux) until the first frame shows its prompt, and until the
 *   header shows the address it listens on and no longer says joining. Screens are polled every 50 ms, so these read up to 50 ms late.
 * Target: every start under 500 ms.
 *
 *   npm run bench:startup      (node dist/bench/startup.js [--runs 10])
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Mesh, PeerProcess } from '../harness/mesh.js';
import { TmuxSession } from '../harness/tmux-session.js';
import { table } from './bench-util.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const runs = Number(values.runs);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'meshshare-startup-'));
const prefix = join(work, 'prefix');
const installed = { ...process.env, PATH: `${join(prefix, 'bin')}:${dirname(process.execPath)}` };
/** npx as a user without the install runs it: from the clone, with npm on the PATH. */
const viaNpx = { ...process.env };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function repeat(what: () => Promise<number> | number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await what());
  return times;
}

function timeExec(command: string, args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  execFileSync(command, args, { env, cwd: command === 'npx' ? REPO : work, stdio: 'ignore' });
  return performance.now() - t0;
}

/** Spawns the metadata server by name; resolves with the ms until its listening line, and its address. */
async function serverStart(
  env: NodeJS.ProcessEnv,
  npx: boolean,
): Promise<{ ms: number; stop: () => void; address: string }> {
  const t0 = performance.now();
  const [cmd, args] = npx ? ['npx', ['metadata-server']] : ['metadata-server', []];
  const child = spawn(cmd, [...(args as string[]), '--port', '0', '--key-file', join(work, 'mesh.key')], {
    env,
    cwd: npx ? REPO : work,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const address = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /^metadata server listening on (\S+:\d+) /.exec(line);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`metadata-server exited ${code}`)));
  });
  return { ms: performance.now() - t0, stop: () => child.kill('SIGKILL'), address };
}

/** `--key-file FILE` of a keyed mesh, or `--open`. */
type KeyArgs = string[];

async function headlessReady(
  address: string,
  env: NodeJS.ProcessEnv,
  npx: boolean,
  n: number,
  key: KeyArgs,
): Promise<number> {
  const dir = join(work, `h${n}`);
  const t0 = performance.now();
  const [cmd, args] = npx ? ['npx', ['peer']] : ['peer', []];
  const argv = [`h${n}`, '--server', address, '--headless', '--dir', dir, ...key];
  const child = spawn(cmd, [...(args as string[]), ...argv], {
    env,
    cwd: npx ? REPO : work,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const peer = new PeerProcess(`h${n}`, dir, child);
  await peer.waitFor('ready', 20_000);
  const ms = performance.now() - t0;
  peer.send('Stop');
  await peer.waitExit(10_000).catch(() => peer.kill());
  return ms;
}

async function dashboard(address: string, n: number, key: KeyArgs): Promise<{ frame: number; joined: number }> {
  const name = `d${n}`;
  const t0 = performance.now();
  const tmux = TmuxSession.start({
    command: [join(prefix, 'bin', 'peer'), name, '--server', address, '--dir', join(work, name), ...key],
    width: 120,
    height: 40,
    env: { PATH: installed.PATH!, TERM: 'xterm-256color', LANG: 'C.UTF-8' },
  });
  try {
    await tmux.waitFor(`${name}>`, 10_000);
    const frame = performance.now() - t0;
    await tmux.waitUntil((screen) => /on [\d.]+:\d+/.test(screen) && !screen.includes('joining'), 10_000, 'joined');
    const joined = performance.now() - t0;
    tmux.type('Stop');
    tmux.sendKeys('Enter');
    await tmux.waitForExit(10_000).catch(() => undefined);
    return { frame, joined };
  } finally {
    tmux.kill();
  }
}

async function main(): Promise<void> {
  execFileSync(
    'npm',
    ['install', '--global', '--prefix', prefix, '--ignore-scripts', '--no-audit', '--no-fund', REPO],
    {
      stdio: 'ignore',
    },
  );
  const rows: (string | number)[][] = [];
  const row = (what: string, times: number[]) =>
    rows.push([what, runs, Math.round(median(times)), Math.round(Math.max(...times))]);

  row('peer --version (installed)', await repeat(() => timeExec('peer', ['--version'], installed)));
  row('peer --version (npx)', await repeat(() => timeExec('npx', ['peer', '--version'], viaNpx)));
  row(
    'metadata-server --version (installed)',
    await repeat(() => timeExec('metadata-server', ['--version'], installed)),
  );
  row('metadata-server --version (npx)', await repeat(() => timeExec('npx', ['metadata-server', '--version'], viaNpx)));
  row(
    'metadata-server until listening (installed)',
    await repeat(async () => {
      const s = await serverStart(installed, false);
      s.stop();
      return s.ms;
    }),
  );

  let n = 0;
  // The same join into an open mesh: what the mesh-key handshake adds to a start.
  const open = new Mesh({ open: true });
  try {
    const address = await open.startServer();
    for (const name of ['m1', 'm2', 'm3']) await open.startPeer(name);
    row(
      'peer --headless until ready, open mesh (installed)',
      await repeat(() => headlessReady(address, installed, false, n++, ['--open'])),
    );
  } finally {
    await open.close();
  }

  const mesh = new Mesh();
  const key = ['--key-file', mesh.keyFile!];
  try {
    const address = await mesh.startServer();
    for (const name of ['m1', 'm2', 'm3']) await mesh.startPeer(name);
    row(
      'peer --headless until ready (installed)',
      await repeat(() => headlessReady(address, installed, false, n++, key)),
    );
    row('peer --headless until ready (npx)', await repeat(() => headlessReady(address, viaNpx, true, n++, key)));
    if (TmuxSession.available()) {
      const frames: number[] = [];
      const joins: number[] = [];
      for (let i = 0; i < runs; i++) {
        const d = await dashboard(address, i, key);
        frames.push(d.frame);
        joins.push(d.joined);
      }
      row('peer dashboard: first frame (installed)', frames);
      row('peer dashboard: joined, port shown (installed)', joins);
    } else console.warn('tmux is not installed: skipping the dashboard rows');
  } finally {
    await mesh.close();
  }
  console.log(table(['start', 'runs', 'median ms', 'worst ms'], rows));
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => rmSync(work, { recursive: true, force: true }));
