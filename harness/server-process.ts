import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { runToExit, type Exited } from './run-to-exit.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMeshKey } from '../common/mesh-key.js';
import { DISCOVERY_PORT_ENV } from '../common/discovery-socket.js';

/**
 * Every process a test run starts announces and looks for servers on this run's own UDP discovery port, never the
 * well-known one (common/discovery-socket.ts): parallel runs do not hear each other's metadata servers.
 */
process.env[DISCOVERY_PORT_ENV] ||= String(40_000 + Math.floor(Math.random() * 20_000));

/** The compiled metadata-server command (tests and benches run from dist/). */
export const MAIN_JS = fileURLToPath(new URL('../metadata-server/main.js', import.meta.url));

/** Longest wait for a line or an exit, unless told otherwise. */
export const WAIT_MS = 5000;

/** First line of a listening server (`metadata server listening on HOST:PORT (...)`). */
const LISTENING_LINE = /^metadata server listening on (\S+):(\d+) \(/;

export interface ServerProcess {
  child: ChildProcess;
  host: string;
  port: number;
  /** The mesh key the server uses (undefined with --open), and its file. */
  key: Buffer | undefined;
  keyFile: string | undefined;
  /** Every stdout line so far. */
  lines: string[];
  stderr(): string;
  /** Resolves with the first line from index `from` on (printed or to come) matching `re`; rejects after `ms`. */
  waitForLine(re: RegExp, ms?: number, from?: number): Promise<string>;
  /** Sends `signal` and resolves with the exit code; SIGKILLs and rejects if it does not exit within `ms`. */
  stop(signal?: NodeJS.Signals, ms?: number): Promise<number | null>;
}

/** A random range of `span` peer ports inside 20000–60000, so parallel runs and other suites do not collide. */
export function randomPeerPorts(span = 200): string {
  const low = 20000 + Math.floor(Math.random() * (40000 - span));
  return `${low}-${low + span - 1}`;
}

/** Mesh keys of the servers this process started, by port: test clients dial them as keyed members. */
const keysByPort = new Map<number, Buffer>();

/** The mesh key of a server started here (or remembered with `rememberMeshKey`); undefined for an open one. */
export function meshKeyOf(port: number): Buffer | undefined {
  return keysByPort.get(port);
}

/** Lets test clients find the key of an in-process server listening on `port`. */
export function rememberMeshKey(port: number, key: Buffer | undefined): void {
  if (key) keysByPort.set(port, key);
  else keysByPort.delete(port);
}

/**
 * Spawns `node main.js --port 0 ...args` (after `wrap`, when given) and resolves once it printed its listening line. Always call `stop()`.
 * Keyed unless `args` say `--open`. Without `--state` the server gets a fresh temporary state folder (never the
 * current directory's `.meshshare/`), removed when it exits: its key file (unless `--key-file`), identity key and
 * remembered names live there.
 */
export async function startServer(args: string[], ms = 10_000, wrap: string[] = []): Promise<ServerProcess> {
  let keyFile: string | undefined;
  let stateDir: string | undefined;
  const given = args.indexOf('--key-file');
  const state = args.indexOf('--state');
  if (given >= 0) keyFile = args[given + 1];
  if (state < 0) {
    // Its own state (identity key, remembered names, the default key file) in a fresh folder, never the checkout's.
    stateDir = mkdtempSync(join(tmpdir(), 'p2p-state-'));
    args = ['--state', stateDir, ...args];
  }
  if (given < 0 && !args.includes('--open')) keyFile = join(state >= 0 ? args[state + 1]! : stateDir!, 'mesh.key');
  // `wrap` prefixes the command line, e.g. `ip netns exec NS` to run it on a namespaced host (harness/lan-hosts.ts).
  const argv = [...wrap, process.execPath, MAIN_JS, '--port', '0', ...args];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  if (stateDir) child.once('exit', () => rmSync(stateDir, { recursive: true, force: true }));
  const lines: string[] = [];
  let err = '';
  let partial = '';
  const listeners = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    for (const l of listeners) l();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      for (const l of listeners) l();
      resolve(code);
    }),
  );

  const waitForLine = (re: RegExp, wait = WAIT_MS, from = 0) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const hit = lines.slice(from).find((l) => re.test(l));
        if (hit !== undefined) return done(() => resolve(hit));
        if (exitCode !== undefined)
          return done(() => reject(new Error(`server exited (${exitCode}) before printing ${re}: ${err.trim()}`)));
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`no line matching ${re} within ${wait} ms; got:\n${lines.join('\n')}`))),
        wait,
      );
      const done = (fn: () => void) => {
        clearTimeout(timer);
        listeners.delete(check);
        fn();
      };
      listeners.add(check);
      check();
    });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', wait = WAIT_MS): Promise<number | null> => {
    if (exitCode !== undefined) return exitCode;
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      exited,
      new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), wait))),
    ]);
    clearTimeout(timer);
    if (code === 'timeout') {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`server did not exit within ${wait} ms of ${signal}`);
    }
    return code;
  };

  let first: string;
  try {
    first = await waitForLine(LISTENING_LINE, ms);
  } catch (e) {
    await stop('SIGKILL').catch(() => {});
    throw e;
  }
  const m = LISTENING_LINE.exec(first)!;
  const port = Number(m[2]);
  const key = keyFile === undefined ? undefined : loadMeshKey(keyFile);
  rememberMeshKey(port, key);
  child.once('exit', () => {
    if (keysByPort.get(port) === key) keysByPort.delete(port);
  });
  return { child, host: m[1]!, port, key, keyFile, lines, stderr: () => err, waitForLine, stop };
}

/**
 * Runs the CLI to completion (bad arguments, --version…): exit code and output, killed after `ms`. It runs in
 * `cwd` (default: a fresh temporary folder, removed after, so a default `.meshshare/` never lands in the checkout).
 */
export async function runCli(args: string[], ms = WAIT_MS, cwd?: string): Promise<Exited> {
  const scratch = cwd === undefined ? mkdtempSync(join(tmpdir(), 'p2p-cli-')) : undefined;
  try {
    return await runToExit(MAIN_JS, args, { cwd: cwd ?? scratch!, ms, what: 'metadata-server' });
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Runs `fn` against a fresh server process and the clients it registers, then closes every client and stops the
 * server (SIGTERM, expecting exit 0) whatever happened.
 */
export async function withServer(
  args: string[],
  fn: (server: ServerProcess, track: <T extends { close(): void }>(client: T) => T) => Promise<void>,
): Promise<void> {
  const server = await startServer(args);
  const clients: { close(): void }[] = [];
  try {
    await fn(server, (client) => {
      clients.push(client);
      return client;
    });
  } finally {
    for (const c of clients) c.close();
    const code = await server.stop();
    if (code !== 0) throw new Error(`server exited ${code} on SIGTERM; stderr: ${server.stderr()}`);
  }
}
