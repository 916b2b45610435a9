/**
 * Drives a program in a real terminal for tests: a private tmux server (its own `-L` socket, no user config)
 * with one detached session. Reusable by any terminal test (the dashboard's, the demo's, the lead's end-to-end).
 *
 * Screens are captured with escapes (`capture-pane -e`) and translated: blessed draws borders with the terminal's
 * line-drawing charset, which tmux stores as letters (`lqqk`) with a charset flag (docs/PLATFORM.md); `capture()`
 * turns them back into box characters and strips colours, so tests can look for `┌` or `│` as a person sees them.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TmuxStartOptions {
  /** Program and arguments (quoted for the shell tmux runs them with). */
  command: readonly string[];
  /** Terminal size. Default 120 × 40. */
  width?: number;
  height?: number;
  /** Extra environment for the program (on top of the test process's). */
  env?: Record<string, string>;
  cwd?: string;
}

/** DEC special graphics (the `acsc` set) as Unicode, for letters captured inside shift-out. */
const ACS: Record<string, string> = {
  j: '┘',
  k: '┐',
  l: '┌',
  m: '└',
  n: '┼',
  q: '─',
  t: '├',
  u: '┤',
  v: '┴',
  w: '┬',
  x: '│',
  a: '▒',
  '`': '◆',
  '~': '·',
  f: '°',
  g: '±',
  o: '⎺',
  p: '⎻',
  r: '⎼',
  s: '⎽',
  y: '≤',
  z: '≥',
  '{': 'π',
  '|': '≠',
  '}': '£',
  '0': '█',
  h: '#',
};

/** Bound on any single tmux command (it answers in milliseconds; a hang must fail the test, not stall it). */
const TMUX_COMMAND_TIMEOUT_MS = 5_000;

let counter = 0;

export class TmuxSession {
  private alive = true;

  private constructor(
    readonly socket: string,
    readonly target: string,
    private readonly scratch: string,
  ) {}

  /** True when a `tmux` binary runs here. */
  static available(): boolean {
    try {
      execFileSync('tmux', ['-V'], { stdio: 'ignore', timeout: TMUX_COMMAND_TIMEOUT_MS });
      return true;
    } catch {
      return false;
    }
  }

  /** Starts the program in a new detached session; the pane stays after the program exits, to read its status. */
  static start(options: TmuxStartOptions): TmuxSession {
    counter += 1;
    const socket = `meshshare-test-${process.pid}-${counter}-${randomBytes(3).toString('hex')}`;
    const scratch = mkdtempSync(join(tmpdir(), 'meshshare-tmux-'));
    const session = new TmuxSession(socket, 'main', scratch);
    // tmux 3.3 loses a pane's exit status when the pty closes before the child is reaped (seen here about half the
    // time): a shell around the program writes the status to a file instead. `pid()` finds the program under it.
    const wrapped = ['sh', '-c', '"$@"; echo "$?" > "$0"', join(scratch, 'status'), ...options.command];
    const env = Object.entries(options.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    session.tmux([
      'start-server',
      ';',
      // Set before the session exists, or a program that exits at once would take its pane (and status) along.
      'set-option',
      '-g',
      'remain-on-exit',
      'on',
      ';',
      'set-option',
      '-g',
      'history-limit',
      '0',
      ';',
      'new-session',
      '-d',
      '-s',
      'main',
      '-x',
      String(options.width ?? 120),
      '-y',
      String(options.height ?? 40),
      ...(options.cwd ? ['-c', options.cwd] : []),
      ...env,
      wrapped.map(shellQuote).join(' '),
    ]);
    return session;
  }

  /** Sends tmux key names (`Enter`, `Tab`, `Up`, `C-c`, `Escape`, or single characters). */
  sendKeys(...keys: string[]): void {
    this.tmux(['send-keys', '-t', this.target, ...keys]);
  }

  /** Types text literally (no key-name interpretation). */
  type(text: string): void {
    this.tmux(['send-keys', '-t', this.target, '-l', text]);
  }

  /** The visible screen as a person sees it: box characters restored, colours and other escapes removed. */
  capture(): string {
    return translateCapture(this.captureRaw());
  }

  /** The visible screen with tmux's escapes (colours, shift-in/out) kept. */
  captureRaw(): string {
    return this.tmux(['capture-pane', '-p', '-e', '-t', this.target]);
  }

  /** Polls the screen until it contains `match`; returns it. On timeout, throws with the last screen attached. */
  async waitFor(match: string | RegExp, timeoutMs = 5_000): Promise<string> {
    return this.waitUntil(
      (screen) => (typeof match === 'string' ? screen.includes(match) : match.test(screen)),
      timeoutMs,
      `screen to show ${String(match)}`,
    );
  }

  /** Polls the screen until `predicate` holds; returns it. On timeout, throws with the last screen attached. */
  async waitUntil(predicate: (screen: string) => boolean, timeoutMs: number, what = 'condition'): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    for (;;) {
      screen = this.alive ? this.capture() : '';
      if (predicate(screen)) return screen;
      if (Date.now() >= deadline)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; screen:\n${screen}`);
      await sleep(50);
    }
  }

  /** Resizes the terminal, as a person dragging the window edge would. */
  resize(width: number, height: number): void {
    this.tmux(['resize-window', '-t', this.target, '-x', String(width), '-y', String(height)]);
  }

  /** Current terminal size as tmux reports it. */
  size(): { width: number; height: number } {
    const [w, h] = this.tmux(['display-message', '-p', '-t', this.target, '#{pane_width} #{pane_height}'])
      .trim()
      .split(' ');
    return { width: Number(w), height: Number(h) };
  }

  /** The program's exit status once it has exited (128 + the signal number if a signal ended it), else null. */
  exitStatus(): number | null {
    try {
      const text = readFileSync(join(this.scratch, 'status'), 'utf8').trim();
      return text === '' ? null : Number(text);
    } catch {
      return null;
    }
  }

  /** The program's process id (the child of the pane's wrapping shell), or null once it has exited. */
  pid(): number | null {
    const shell = this.tmux(['display-message', '-p', '-t', this.target, '#{pane_pid}']).trim();
    try {
      const out = execFileSync('ps', ['-o', 'pid=', '--ppid', shell], {
        encoding: 'utf8',
        timeout: TMUX_COMMAND_TIMEOUT_MS,
      });
      const pid = Number(out.trim().split(/\s+/)[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : null;
    } catch {
      return null;
    }
  }

  /** Waits until the program exits; returns its status, or throws with the last screen after `timeoutMs`. */
  async waitForExit(timeoutMs = 5_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = this.exitStatus();
      if (status !== null) return status;
      if (Date.now() >= deadline)
        throw new Error(`program still running after ${timeoutMs} ms; screen:\n${this.capture()}`);
      await sleep(50);
    }
  }

  /**
   * Ends the tmux server and with it the program (SIGHUP), then waits up to 5 s for the program to be gone (killing
   * it after that), so that a test's clean-up never races a peer still writing its log while it leaves. Idempotent.
   */
  kill(): void {
    if (!this.alive) return;
    let program: number | null = null;
    try {
      program = this.pid();
    } catch {
      /* the session is already gone */
    }
    this.alive = false;
    try {
      this.tmux(['kill-server'], true);
    } catch {
      /* already gone */
    }
    if (program !== null) awaitGone(program, 5_000);
    rmSync(this.scratch, { recursive: true, force: true });
  }

  private tmux(args: string[], force = false): string {
    if (!this.alive && !force) throw new Error('tmux session already killed');
    return execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], {
      encoding: 'utf8',
      timeout: TMUX_COMMAND_TIMEOUT_MS,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }
}

/**
 * Turns `capture-pane -e` output into plain text: letters between shift-out (SO, or `ESC ( 0`) and shift-in (SI, or
 * `ESC ( B`) become line-drawing characters; colour and other escape sequences are dropped.
 */
export function translateCapture(raw: string): string {
  let out = '';
  let acs = false;
  for (let i = 0; i < raw.length; i += 1) {
    const ch = raw[i]!;
    if (ch === '\x0e') {
      acs = true;
      continue;
    }
    if (ch === '\x0f') {
      acs = false;
      continue;
    }
    if (ch === '\x1b') {
      const rest = raw.slice(i);
      const charset = /^\x1b\(([0B])/.exec(rest);
      if (charset) {
        acs = charset[1] === '0';
        i += charset[0].length - 1;
        continue;
      }
      const csi = /^\x1b\[[0-9;:?<>=]*[ -/]*[@-~]/.exec(rest) ?? /^\x1b[@-Z\\-_]/.exec(rest);
      if (csi) i += csi[0].length - 1;
      continue;
    }
    // tmux carries the charset state across line ends (a border's `x` may open the next line in shift-out).
    out += acs ? (ACS[ch] ?? ch) : ch;
  }
  return out;
}

/** Lines of a captured screen with trailing spaces removed. */
export function screenLines(screen: string): string[] {
  return screen.split('\n').map((l) => l.trimEnd());
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Blocks until process `pid` no longer exists, or sends it SIGKILL after `timeoutMs`. */
function awaitGone(pid: number, timeoutMs: number): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (const until = Date.now() + timeoutMs; Date.now() < until; Atomics.wait(pause, 0, 0, 25)) {
    if (!running(pid)) return;
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone in the meantime */
  }
}

/** Whether `pid` is a live process (a zombie waiting to be reaped has finished: it writes nothing more). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
