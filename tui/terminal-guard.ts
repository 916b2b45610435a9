/**
 * Keeps stray output off the dashboard's screen (no stray output may corrupt the screen) without hiding
 * crashes: text written to stderr or through `console` while the screen is up goes to a sink (the log panel and
 * file), and a crash restores the terminal before Node prints the error.
 */

type WriteFn = typeof process.stderr.write;
const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;

/**
 * Runs `construct` with stderr muted and returns what it tried to write. blessed compiles terminfo when a screen
 * is constructed, and with older terminfo files prints `Error on xterm-256color.Setulc` plus the failing code to
 * stderr (docs/PLATFORM.md): harmless, but it would land on the screen about to be drawn.
 */
export function constructQuietly<T>(construct: () => T): { value: T; captured: string } {
  const original = process.stderr.write;
  let captured = '';
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
    captured += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString();
    const callback = rest.find((r): r is () => void => typeof r === 'function');
    callback?.();
    return true;
  }) as WriteFn;
  try {
    return { value: construct(), captured };
  } finally {
    process.stderr.write = original;
  }
}

/** True when captured construction output is only blessed's known terminfo noise. */
export function isTerminfoNoise(text: string): boolean {
  return text.trim() === '' || /Error on [\w.-]+\.\w+:/.test(text);
}

/**
 * Redirects `process.stderr.write` and the `console` methods to `sink` until `restore()`. stdout is left alone:
 * blessed writes the screen through it. Restoring is idempotent.
 */
export class StrayOutputCapture {
  private readonly originalWrite: WriteFn;
  private readonly originalConsole = new Map<string, (...args: unknown[]) => void>();
  private active = true;

  constructor(private readonly sink: (text: string) => void) {
    this.originalWrite = process.stderr.write;
    process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
      this.emit(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
      const callback = rest.find((r): r is () => void => typeof r === 'function');
      callback?.();
      return true;
    }) as WriteFn;
    const target = console as unknown as Record<string, (...args: unknown[]) => void>;
    for (const name of CONSOLE_METHODS) {
      this.originalConsole.set(name, target[name]!);
      target[name] = (...args: unknown[]) =>
        this.emit(args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' '));
    }
  }

  restore(): void {
    if (!this.active) return;
    this.active = false;
    process.stderr.write = this.originalWrite;
    const target = console as unknown as Record<string, (...args: unknown[]) => void>;
    for (const [name, fn] of this.originalConsole) target[name] = fn;
  }

  private emit(text: string): void {
    // A sink that throws must not turn a log line into a crash loop through console.error.
    try {
      this.sink(text);
    } catch {
      /* the line is lost; nothing else can be done while the screen owns the terminal */
    }
  }
}

/**
 * Calls `restore` when the process is about to die of an uncaught exception or unhandled rejection, so Node's own
 * report prints on a normal terminal. `uncaughtExceptionMonitor` observes without handling: the process still
 * crashes exactly as it would without a dashboard (a dashboard must never swallow `uncaughtException`). Returns a remover.
 */
export function restoreTerminalOnCrash(restore: () => void): () => void {
  const monitor = () => {
    // With an `uncaughtException` handler installed (by the peer's main, say) the process may live on: not ours
    // to decide, so the screen stays.
    if (process.listenerCount('uncaughtException') > 0) return;
    try {
      restore();
    } catch {
      /* the crash report matters more than a clean screen */
    }
  };
  process.on('uncaughtExceptionMonitor', monitor);
  return () => process.off('uncaughtExceptionMonitor', monitor);
}

function inspect(value: unknown): string {
  if (value instanceof Error) return value.stack ?? String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
