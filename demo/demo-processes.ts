import { spawn, type ChildProcess } from 'node:child_process';
import { dirname } from 'node:path';
import { createWriteStream, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * Starting and stopping the demo's processes (metadata server, headless peers), shared by `npm start`,
 * `npm run demo:panes` and the end-to-end tests. Uses only the programs' command lines (docs/CONTRACT.md "Commands") and
 * their output: the server's `metadata server listening on HOST:PORT` line and the peers' JSON `ready` event.
 */

export const SERVER_MAIN = fileURLToPath(new URL('../metadata-server/main.js', import.meta.url));
export const PEER_MAIN = fileURLToPath(new URL('../peer/main.js', import.meta.url));

/** True when both programs are built (`npm run build`). */
export function programsBuilt(): boolean {
  return existsSync(SERVER_MAIN) && existsSync(PEER_MAIN);
}

/** A child process whose output is drained into a log file, with a promise of its exit status. */
export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  /** Exit code, or 128 + signal number when a signal ended it. */
  exited: Promise<number>;
  /** True until it has exited. */
  running(): boolean;
}

/** How long a program gets to print its first line (listening / ready) before the demo gives up. Default 15 s. */
const DEFAULT_START_TIMEOUT_MS = 15_000;

/** Peer ports handed out by the demo's server: a random block so that two demos on one machine do not collide. */
const PEER_PORT_BLOCK = 20;

/** A free TCP port on `host` (the OS picks it; another program could take it before use, rarely). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * A random block of ports for `--peer-ports` whose ports are free right now: the server assigns peers' listening
 * ports from it, so a second demo (with its own block) does not collide with the first.
 */
export async function choosePeerPorts(
  host = '127.0.0.1',
  size = PEER_PORT_BLOCK,
): Promise<{ low: number; high: number }> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const low = 20_000 + Math.floor(Math.random() * 2_000) * PEER_PORT_BLOCK;
    const checks = await Promise.all(Array.from({ length: size }, (_, i) => portIsFree(low + i, host)));
    if (checks.every(Boolean)) return { low, high: low + size - 1 };
  }
  throw new Error('could not find a block of free ports for the demo peers');
}

/** Spawns a program with its stdout/stderr appended to `logFile`; `onLine` sees each stdout line too. */
export function manage(
  name: string,
  args: string[],
  logFile: string,
  options: {
    onLine?: (line: string) => void;
    stdin?: 'ignore' | 'pipe';
    env?: NodeJS.ProcessEnv;
    cwd?: string;
  } = {},
): ManagedProcess {
  const child = spawn(process.execPath, args, {
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const log = createWriteStream(logFile, { flags: 'a' });
  // Draining both pipes for the whole life of the child keeps it from blocking on a full pipe.
  createInterface({ input: child.stdout!, crlfDelay: Infinity }).on('line', (line) => {
    log.write(`${line}\n`);
    options.onLine?.(line);
  });
  child.stderr!.on('data', (chunk: Buffer) => log.write(chunk));
  let alive = true;
  const exited = new Promise<number>((resolve) => {
    child.once('error', (err) => {
      log.write(`could not start: ${err.message}\n`);
    });
    child.once('close', (code, signal) => {
      alive = false;
      log.end();
      resolve(code ?? 128 + signalNumber(signal));
    });
  });
  return { name, child, exited, running: () => alive };
}

/** Waits for `match` to return a value for some stdout line, or fails on exit or timeout. */
function waitForLine<T>(
  proc: ManagedProcess,
  lines: { on: (fn: (line: string) => void) => void },
  match: (line: string) => T | null,
  what: string,
  timeoutMs: number,
  logFile: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${proc.name} did not ${what} within ${timeoutMs} ms (see ${logFile})`)),
      timeoutMs,
    );
    lines.on((line) => {
      const value = match(line);
      if (value !== null) {
        clearTimeout(timer);
        resolve(value);
      }
    });
    void proc.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${proc.name} exited with status ${code} before it could ${what} (see ${logFile})`));
    });
  });
}

/** Starts the metadata server on a free port and resolves once it prints its address. */
export async function startServer(options: {
  logFile: string;
  /** The mesh key's file (the server creates it when missing): the demo keeps it in its temporary folder. */
  keyFile: string;
  peerPorts: { low: number; high: number };
  topology?: 'mesh' | 'line';
  host?: string;
  timeoutMs?: number;
}): Promise<{ process: ManagedProcess; address: string }> {
  const listeners: ((line: string) => void)[] = [];
  const args = [
    SERVER_MAIN,
    '--host',
    options.host ?? '127.0.0.1',
    '--port',
    '0',
    '--peer-ports',
    `${options.peerPorts.low}-${options.peerPorts.high}`,
    ...(options.topology ? ['--topology', options.topology] : []),
    '--key-file',
    options.keyFile,
    // Its identity key and remembered names stay beside the key: never in the current directory's .meshshare/.
    '--state',
    dirname(options.keyFile),
  ];
  const server = manage('metadata server', args, options.logFile, {
    onLine: (line) => listeners.forEach((l) => l(line)),
  });
  try {
    const address = await waitForLine(
      server,
      { on: (fn) => listeners.push(fn) },
      (line) => /^metadata server listening on (\S+)/.exec(line)?.[1] ?? null,
      'start listening',
      options.timeoutMs ?? DEFAULT_START_TIMEOUT_MS,
      options.logFile,
    );
    return { process: server, address };
  } catch (err) {
    await stopProcesses([server]);
    throw err;
  }
}

/** Starts `peer NAME --headless` and resolves once it has joined (its `ready` event). */
export async function startHeadlessPeer(options: {
  name: string;
  server: string;
  dir: string;
  logFile: string;
  /** The mesh key's file, the server's. */
  keyFile: string;
  stdin?: 'ignore' | 'pipe';
  extraArgs?: string[];
  timeoutMs?: number;
  onEvent?: (event: { event: string } & Record<string, unknown>) => void;
}): Promise<ManagedProcess> {
  const listeners: ((line: string) => void)[] = [];
  const args = [
    PEER_MAIN,
    options.name,
    '--server',
    options.server,
    '--dir',
    options.dir,
    '--headless',
    '--key-file',
    options.keyFile,
    ...(options.extraArgs ?? []),
  ];
  const peer = manage(options.name, args, options.logFile, {
    stdin: options.stdin ?? 'ignore',
    onLine: (line) => {
      listeners.forEach((l) => l(line));
      const event = parseEvent(line);
      if (event) options.onEvent?.(event);
    },
  });
  try {
    await waitForLine(
      peer,
      { on: (fn) => listeners.push(fn) },
      (line) => (parseEvent(line)?.event === 'ready' ? true : null),
      'join the mesh',
      options.timeoutMs ?? DEFAULT_START_TIMEOUT_MS,
      options.logFile,
    );
    return peer;
  } catch (err) {
    await stopProcesses([peer]);
    throw err;
  }
}

/**
 * Stops processes gracefully: SIGTERM (peers leave the mesh, the server closes), then SIGKILL for any still running
 * after `graceMs`. Resolves when all have exited (bounded: a process that survives SIGKILL is not waited for).
 */
export async function stopProcesses(list: readonly ManagedProcess[], graceMs = 5_000): Promise<void> {
  const alive = list.filter((p) => p.running());
  for (const p of alive) p.child.kill('SIGTERM');
  const all = Promise.all(alive.map((p) => p.exited));
  if (await settlesWithin(all, graceMs)) return;
  for (const p of alive) if (p.running()) p.child.kill('SIGKILL');
  await settlesWithin(all, 2_000);
}

function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function parseEvent(line: string): ({ event: string } & Record<string, unknown>) | null {
  if (!line.startsWith('{')) return null;
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null && typeof (value as { event?: unknown }).event === 'string'
      ? (value as { event: string } & Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? (SIGNALS[signal] ?? 0) : 0;
}
