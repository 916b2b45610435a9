#!/usr/bin/env node
/**
 * `npm run demo:panes`: the demo mesh with the metadata server and s1–s5 each in a tmux pane, every peer with its
 * own dashboard ("peer s1 through peer s5 in TUI panes", the original design). Inside tmux it opens a new window;
 * outside it creates a session and attaches. When s1 leaves (or the session is detached or closed, or this process
 * gets a signal) every other pane is stopped gracefully and the window goes away. Without tmux it says so, exit 1.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writePidFile } from '../common/pid-file.js';
import {
  DEMO_FOLDER_PREFIX,
  DEMO_PEERS,
  DEMO_PID_FILE,
  prepareDemoFolders,
  SUGGESTED_FILES,
  WELCOME_TEXT,
} from './demo-fixtures.js';
import { createMeshKey } from '../common/mesh-key.js';
import { choosePeerPorts, freePort, PEER_MAIN, programsBuilt, SERVER_MAIN } from './demo-processes.js';

const HELP = `usage: npm run demo:panes [-- --keep] [--topology mesh|line] [--socket NAME] [--no-attach]

The demo mesh in tmux panes: the metadata server and s1–s5, each peer with its dashboard.
  --keep           keep the demo folder after the demo ends
  --topology T     mesh (default) or line (a chain: multi-hop searches)
  --socket NAME    use a separate tmux server (tmux -L NAME) instead of the default one
  --no-attach      do not attach or switch to the window (scripts and tests drive it)`;

/** How often the panes are checked for s1 having left. */
const POLL_MS = 500;
/** How long the other panes get to leave gracefully after SIGTERM. */
const GRACE_MS = 5_000;

let socketArgs: string[] = [];

function tmux(...args: string[]): string {
  return execFileSync('tmux', [...socketArgs, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 5_000,
  });
}

function tmuxInstalled(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

interface Pane {
  id: string;
  dead: boolean;
  pid: number;
  title: string;
}

function panes(window: string): Pane[] | null {
  try {
    return tmux('list-panes', '-t', window, '-F', '#{pane_id}\t#{pane_dead}\t#{pane_pid}\t#{@meshshare}')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [id, dead, pid, title] = line.split('\t');
        return { id: id!, dead: dead === '1', pid: Number(pid), title: title ?? '' };
      });
  } catch {
    return null; // the window (or the whole server) is gone
  }
}

/**
 * True while `pid` runs. A program that exited but is not yet reaped (a zombie: tmux reaps its panes' children
 * lazily) still answers kill(pid, 0), so on Linux its state is read from /proc.
 */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && existsSync('/proc/self/stat')) return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once something accepts connections on host:port (the server in its pane), or rejects after timeoutMs. */
async function waitForListening(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`the metadata server did not start listening on ${host}:${port}`);
    await sleep(100);
  }
}

/** SIGTERM to each pane's program (they run without a shell: the pane pid is the program), then wait, bounded. */
async function stopPanes(list: readonly Pane[]): Promise<void> {
  const running = list.filter((p) => !p.dead && alive(p.pid));
  for (const p of running) process.kill(p.pid, 'SIGTERM');
  const deadline = Date.now() + GRACE_MS;
  while (running.some((p) => alive(p.pid)) && Date.now() < deadline) await sleep(100);
  for (const p of running) if (alive(p.pid)) process.kill(p.pid, 'SIGKILL');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      keep: { type: 'boolean', default: false },
      topology: { type: 'string' },
      socket: { type: 'string' },
      'no-attach': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (!tmuxInstalled()) {
    process.stderr.write(
      'demo:panes needs tmux, which is not installed here: install it (for example `sudo apt-get install ' +
        'tmux` or `brew install tmux`), or run `npm start` for the single-terminal demo.\n',
    );
    return 1;
  }
  if (!programsBuilt()) {
    process.stderr.write('demo:panes: the programs are not built yet: run `npm run build` (or `npm install`) first\n');
    return 1;
  }
  if (values.topology !== undefined && values.topology !== 'mesh' && values.topology !== 'line') {
    process.stderr.write(`demo:panes: --topology must be mesh or line\n${HELP}\n`);
    return 2;
  }
  if (values.socket) socketArgs = ['-L', values.socket];
  // Inside tmux (and on its server) a new window is friendlier than a nested session.
  const inside = Boolean(process.env['TMUX']) && !values.socket;

  const root = mkdtempSync(join(tmpdir(), DEMO_FOLDER_PREFIX));
  writePidFile(join(root, DEMO_PID_FILE));
  const folders = prepareDemoFolders(root);
  // Keyed like any mesh: the key is made in the demo's folder before any pane starts, and every process is given it.
  const keyFile = join(root, 'mesh.key');
  createMeshKey(keyFile);
  const peerPorts = await choosePeerPorts();
  const serverPort = await freePort();
  const address = `127.0.0.1:${serverPort}`;
  const node = process.execPath;
  const serverCommand = [
    node,
    SERVER_MAIN,
    '--port',
    String(serverPort),
    '--peer-ports',
    `${peerPorts.low}-${peerPorts.high}`,
    ...(values.topology ? ['--topology', values.topology] : []),
    '--key-file',
    keyFile,
    // Its identity key and remembered names stay in the demo's folder, never in the current directory.
    '--state',
    root,
  ];
  const peerCommand = (name: string) => [
    node,
    PEER_MAIN,
    name,
    '--server',
    address,
    '--dir',
    folders[name]!,
    '--key-file',
    keyFile,
  ];

  const width = String(process.stdout.columns || 200);
  const height = String(process.stdout.rows || 50);
  const session = `meshshare-demo-${process.pid}`;
  const window = (
    inside
      ? tmux('new-window', '-d', '-P', '-F', '#{window_id}', '-n', 'meshshare-demo', ...serverCommand)
      : tmux(
          'new-session',
          '-d',
          '-s',
          session,
          '-x',
          width,
          '-y',
          height,
          '-P',
          '-F',
          '#{window_id}',
          ...serverCommand,
        )
  ).trim();
  let stopping: Promise<void> | null = null;
  const teardown = () =>
    (stopping ??= (async () => {
      const list = panes(window) ?? [];
      // Peers first so that they leave through a live server, then the server.
      await stopPanes(list.filter((p) => p.title !== 'server'));
      await stopPanes(list.filter((p) => p.title === 'server'));
      try {
        tmux(inside ? 'kill-window' : 'kill-session', '-t', inside ? window : session);
      } catch {
        /* already closed */
      }
      if (!values.keep) rmSync(root, { recursive: true, force: true });
    })());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void teardown().then(() => process.exit(0)));
  }

  try {
    tmux('set-option', '-w', '-t', window, 'remain-on-exit', 'on');
    tmux('set-option', '-w', '-t', window, 'pane-border-status', 'top');
    tmux('set-option', '-w', '-t', window, 'pane-border-format', ' #{@meshshare} ');
    tmux('set-option', '-p', '-t', `${window}.0`, '@meshshare', 'server');
    await waitForListening('127.0.0.1', serverPort, 10_000);
    let s1Pane = '';
    for (const name of [...DEMO_PEERS.filter((n) => n !== 's1'), 's1']) {
      const env =
        name === 's1' ? ['-e', `P2P_WELCOME=${WELCOME_TEXT}`, '-e', `P2P_SUGGEST=${SUGGESTED_FILES.join(',')}`] : [];
      const pane = tmux(
        'split-window',
        '-d',
        '-t',
        window,
        '-P',
        '-F',
        '#{pane_id}',
        ...env,
        ...peerCommand(name),
      ).trim();
      tmux('set-option', '-p', '-t', pane, '@meshshare', name);
      // Re-tiling after every split leaves room for the next one.
      tmux('select-layout', '-t', window, 'tiled');
      if (name === 's1') s1Pane = pane;
      // The peers join one by one, as in `npm start`, so the mesh forms in a predictable order.
      if (name !== 's1') await sleep(300);
    }
    tmux('select-pane', '-t', s1Pane);

    let attached: ReturnType<typeof spawn> | null = null;
    if (!values['no-attach']) {
      if (inside) tmux('select-window', '-t', window);
      else attached = spawn('tmux', [...socketArgs, 'attach-session', '-t', session], { stdio: 'inherit' });
    }
    let detached = false;
    attached?.once('exit', () => {
      detached = true;
    });
    for (;;) {
      const list = panes(window);
      const s1 = list?.find((p) => p.id === s1Pane);
      if (!list || !s1 || s1.dead || detached) break;
      await sleep(POLL_MS);
    }
    await teardown();
    if (attached && attached.exitCode === null) await new Promise((resolve) => attached!.once('exit', resolve));
    process.stdout.write(
      detached
        ? 'demo:panes: detached, so the demo mesh was stopped.\n'
        : 'demo:panes: s1 left; the demo mesh is stopped.\n',
    );
    return 0;
  } catch (err) {
    process.stderr.write(`demo:panes: ${err instanceof Error ? err.message : String(err)}\n`);
    await teardown();
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo:panes: unexpected failure: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
