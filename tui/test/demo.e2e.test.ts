/**
 * The demos themselves: `npm start` (dist/tui/demo.js) in a real terminal comes up with the welcome line,
 * fetches a fixture from s1, and leaves nothing running; `npm run demo:panes` puts the mesh in tmux panes and
 * stops it when s1 leaves, or says it needs tmux. Skipped when the programs are not built or tmux is missing.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FIXTURES_DIR } from '../../demo/demo-fixtures.js';
import { programsBuilt } from '../../demo/demo-processes.js';
import { TmuxSession, translateCapture } from '../../harness/tmux-session.js';

const DEMO = fileURLToPath(new URL('../../demo/demo.js', import.meta.url));
const DEMO_PANES = fileURLToPath(new URL('../../demo/demo-panes.js', import.meta.url));
const ready = programsBuilt() && TmuxSession.available();
const it = ready ? test : test.skip;
if (!ready) console.warn('demo e2e: programs not built or tmux missing: skipped');

/** Processes whose parent is `pid`, recursively (the demo's server and peers). */
function descendants(pid: number): number[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8', timeout: 5_000 });
  } catch {
    return [];
  }
  const pairs = out
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [child, ppid] of pairs) {
      if (ppid === parent) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

/** Running and not a zombie (an exited child its parent has not reaped yet is gone for our purposes). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    try {
      process.kill(pid, 0);
      return !existsSync('/proc/self/stat');
    } catch {
      return false;
    }
  }
}

/** `promise`, or 'timeout' after `ms`; the timer is cleared either way (uvu runs every file in one process). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

it('npm start comes up with a welcome line, fetches a fixture from s1, and leaving stops everything', async () => {
  const tmux = TmuxSession.start({ command: [process.execPath, DEMO, '--keep'], width: 120, height: 40 });
  let root: string | null = null;
  try {
    await tmux.waitFor('Welcome to the meshshare demo', 30_000);
    await tmux.waitFor(/mesh 5 peers/, 10_000);
    const demoPid = tmux.pid()!;
    const children = descendants(demoPid);
    assert.ok(children.length >= 6, `expected the server, s2–s5 and s1 under the demo, found ${children.length}`);
    // The demo's folder, from s1's command line: removed by this test whatever happens (the demo runs with --keep).
    const args = execFileSync('ps', ['-o', 'args=', '-p', children.join(',')], { encoding: 'utf8', timeout: 5_000 });
    root = /--dir (\S+)\/s1(\s|$)/m.exec(args)?.[1] ?? null;
    assert.ok(root, `no demo folder in:\n${args}`);

    tmux.type('mesh-logo');
    tmux.sendKeys('Tab');
    await tmux.waitFor('s1> mesh-logo.png');
    tmux.sendKeys('Enter');
    await tmux.waitFor(/mesh-logo\.png ← s3 +✓ verified/, 20_000);

    tmux.sendKeys('q');
    await tmux.waitFor('Leave the mesh?');
    tmux.sendKeys('y');
    assert.is(await tmux.waitForExit(20_000), 0);
    const screen = tmux.capture();
    assert.ok(screen.includes(`demo over; its files are kept in ${root}`), screen);
    assert.equal(
      readFileSync(join(root!, 's1', 'Downloads', 'mesh-logo.png')),
      readFileSync(join(FIXTURES_DIR, 's3', 'mesh-logo.png')),
    );
    const left = children.filter(running);
    assert.equal(left, [], `still running after the demo: ${left.join(', ')}`);
  } finally {
    tmux.kill();
    if (root) rmSync(root, { recursive: true, force: true });
  }
});

it('at 80x24 a newcomer sees the Files panel whole and a suggestion for a name that matches nothing', async () => {
  const tmux = TmuxSession.start({ command: [process.execPath, DEMO], width: 80, height: 24 });
  try {
    await tmux.waitFor(/mesh 5 peers/, 30_000);
    tmux.sendKeys('Escape'); // the welcome's own view, when it does not fit the log
    const screen = await tmux.waitFor('in shared/', 5_000);
    assert.ok(!/downloads 0 \(…|put files …/.test(screen), `a Files line is cut:\n${screen}`);
    tmux.type('dataset');
    tmux.sendKeys('Enter');
    const answered = await tmux.waitFor(/not found in the mesh; did you mean dataset-4mb\.bin\?/, 15_000);
    const rows = answered.split('\n');
    const status = rows[rows.findIndex((row) => row.startsWith('s1>')) - 1] ?? ''; // the row above the prompt
    assert.match(status, /did you mean dataset-4mb\.bin\?/, `the status line:\n${answered}`);
    tmux.type('Stop');
    tmux.sendKeys('Enter');
    assert.is(await tmux.waitForExit(20_000), 0);
  } finally {
    tmux.kill();
  }
});

it('two demos at once do not collide, and SIGTERM to a demo stops all of it', async () => {
  const a = TmuxSession.start({ command: [process.execPath, DEMO], width: 100, height: 30 });
  const b = TmuxSession.start({ command: [process.execPath, DEMO], width: 100, height: 30 });
  try {
    const server = /server (\S+) connected/;
    const screenA = await a.waitFor(/mesh 5 peers/, 30_000);
    const screenB = await b.waitFor(/mesh 5 peers/, 30_000);
    assert.is.not(server.exec(screenA)?.[1], server.exec(screenB)?.[1], 'each demo has its own metadata server');
    const children = descendants(b.pid()!);
    process.kill(b.pid()!, 'SIGTERM');
    assert.is(await b.waitForExit(20_000), 0, 'the dashboard left gracefully');
    assert.equal(children.filter(running), []);
    assert.match(a.capture(), /mesh 5 peers/, 'the other demo is untouched');
    a.type('Stop');
    a.sendKeys('Enter');
    assert.is(await a.waitForExit(20_000), 0);
  } finally {
    a.kill();
    b.kill();
  }
});

it('closing the terminal during npm start (SIGHUP) makes every peer leave gracefully and removes the demo folder', async () => {
  for (const keep of [true, false]) {
    const tmux = TmuxSession.start({
      command: [process.execPath, DEMO, ...(keep ? ['--keep'] : [])],
      width: 100,
      height: 30,
    });
    let root: string | null = null;
    try {
      await tmux.waitFor(/mesh 5 peers/, 30_000);
      const children = descendants(tmux.pid()!);
      const args = execFileSync('ps', ['-o', 'args=', '-p', children.join(',')], { encoding: 'utf8', timeout: 5_000 });
      root = /--dir (\S+)\/s1(\s|$)/m.exec(args)?.[1] ?? null;
      assert.ok(root, `no demo folder in:\n${args}`);
      tmux.kill(); // the window closes: the kernel sends SIGHUP to everything started from it
      await until(() => children.every((pid) => !running(pid)), 20_000, 'every demo process to end');
      if (keep) {
        // Each headless peer logs its events: it left through Stop's path (stopped), not by being killed.
        for (const name of ['s2', 's3', 's4', 's5']) {
          const log = readFileSync(join(root!, `${name}.log`), 'utf8');
          assert.match(log, /"event":"stopped"/, `${name} did not leave gracefully:\n${log.slice(-400)}`);
        }
        const s1 = readFileSync(join(root!, 's1', '.p2p', 'peer.log'), 'utf8');
        assert.match(s1, /stopped: the terminal was closed \(SIGHUP\)/, s1.slice(-400));
      } else {
        await until(() => !existsSync(root!), 10_000, `the demo folder ${root} to be removed`);
      }
    } finally {
      tmux.kill();
      if (root && keep) rmSync(root, { recursive: true, force: true });
    }
  }
});

it('demo:panes puts the server and s1–s5 in tmux panes and stops them all when s1 leaves', async () => {
  const socket = `meshshare-panes-${process.pid}`;
  const tmux = (...args: string[]) =>
    execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', timeout: 5_000, stdio: 'pipe' });
  const demo = spawn(process.execPath, [DEMO_PANES, '--socket', socket, '--no-attach'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  demo.stdout.on('data', (c: Buffer) => {
    output += c;
  });
  demo.stderr.on('data', (c: Buffer) => {
    output += c;
  });
  const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
  try {
    let panes: string[][] = [];
    await until(
      () => {
        try {
          panes = tmux('list-panes', '-a', '-F', '#{pane_id} #{pane_pid} #{@meshshare}')
            .trim()
            .split('\n')
            .map((l) => l.split(' '));
        } catch {
          panes = [];
        }
        return panes.length === 6 && panes.some((p) => p[2] === 's1');
      },
      20_000,
      'six panes',
    );
    assert.equal(panes.map((p) => p[2]).sort(), ['s1', 's2', 's3', 's4', 's5', 'server']);
    const s1 = panes.find((p) => p[2] === 's1')![0]!;
    const screenOf = (pane: string) => translateCapture(tmux('capture-pane', '-p', '-e', '-t', pane));
    await until(() => /mesh 5 peers/.test(screenOf(s1)), 20_000, "s1's dashboard to see the whole mesh");
    assert.match(screenOf(s1), /^s1>/m);
    const pids = panes.map((p) => Number(p[1]));

    tmux('send-keys', '-t', s1, '-l', 'Stop');
    tmux('send-keys', '-t', s1, 'Enter');
    const code = await within(exited, 20_000);
    assert.is(code, 0, output);
    assert.match(output, /s1 left; the demo mesh is stopped/);
    assert.equal(pids.filter(running), []);
    assert.throws(() => tmux('list-sessions'), 'the demo session is gone');
  } finally {
    if (demo.exitCode === null) demo.kill('SIGTERM');
    await within(exited, 10_000);
    try {
      tmux('kill-server');
    } catch {
      /* already gone */
    }
  }
});

test('demo:panes without tmux says so and exits 1', () => {
  let status = 0;
  let stderr = '';
  try {
    execFileSync(process.execPath, [DEMO_PANES], {
      env: { ...process.env, PATH: '/nonexistent' },
      encoding: 'utf8',
      stdio: 'pipe',
      timeout: 10_000,
    });
  } catch (err) {
    status = (err as { status: number }).status;
    stderr = String((err as { stderr: string }).stderr);
  }
  assert.is(status, 1);
  assert.match(stderr, /needs tmux, which is not installed here/);
});

test.run();
