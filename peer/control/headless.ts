import { createInterface } from 'node:readline';
import type { PeerHandle } from './peer-handle.js';
import { CHATTY_EVENTS, type PeerEvent } from './peer-events.js';

export interface HeadlessOptions {
  /** Also print progress, neighbour statistics and mesh snapshots. Default false. */
  verbose?: boolean;
  /**
   * Once stdin has ended, leave (like `Stop`) as soon as every command read has finished: for scripts that run a
   * few commands and go. Default false: end of stdin alone keeps the peer serving.
   */
  exitWhenDone?: boolean;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  diagnostics?: NodeJS.WritableStream;
}

/**
 * Headless mode (docs/CONTRACT.md "Commands"): commands from stdin, one per line; one JSON object per event on stdout;
 * human-readable diagnostics on stderr. End of stdin does not stop the peer (it can run as a service with stdin
 * closed), unless `exitWhenDone` asks it to leave once every command has finished.
 */
export function runHeadless(peer: PeerHandle, options: HeadlessOptions = {}): () => void {
  const out = options.output ?? process.stdout;
  const err = options.diagnostics ?? process.stderr;
  // The lines of one turn of the event loop go out in one write (stdout to a pipe is a synchronous system call
  // each): a burst of events, such as a mirror's thousands of small files, costs one call, not one an event
  // (docs/performance.md "Mirror"). What is pending is written before the process exits.
  let lines: string[] = [];
  let flushing: NodeJS.Immediate | undefined;
  const flush = () => {
    flushing = undefined;
    if (lines.length) out.write(lines.join(''));
    lines = [];
  };
  process.on('exit', flush);
  const unsubscribe = peer.subscribe((event) => {
    if (options.verbose || !CHATTY_EVENTS.has(event.event)) {
      lines.push(JSON.stringify(event) + '\n');
      flushing ??= setImmediate(flush);
    }
    const line = diagnostic(event);
    if (line) err.write(`${peer.name}: ${line}\n`);
  });
  const rl = createInterface({ input: options.input ?? process.stdin, crlfDelay: Infinity, terminal: false });
  // Each stdin line is one command; the core numbers them (1, 2, …) and tags what each causes with it as `cmd`.
  const running = new Set<number>();
  let ended = false;
  const leaveIfDone = () => {
    if (options.exitWhenDone && ended && running.size === 0) {
      ended = false; // once
      peer.leave("the script's commands are done (--exit-when-done)");
    }
  };
  rl.on('line', (line) => {
    const cmd = peer.command(line);
    if (line.trim() !== '') running.add(cmd); // a blank line is a command that causes nothing
  });
  rl.on('close', () => {
    ended = true;
    leaveIfDone();
  });
  const unwatch = peer.subscribe((event) => {
    if (event.cmd === undefined || !FINISHING.has(event.event)) return;
    running.delete(event.cmd);
    if (event.event === 'download-cancelled') running.delete(event.by); // it answers the cancel line too
    leaveIfDone();
  });
  return () => {
    unwatch();
    unsubscribe();
    clearImmediate(flushing);
    flush();
    process.off('exit', flush);
    rl.close();
  };
}

/** Events that end the command they answer: its answer, its download's outcome, or its refusal. */
const FINISHING: ReadonlySet<PeerEvent['event']> = new Set([
  'download-complete',
  'download-failed',
  'download-cancelled',
  'not-found',
  'already-have',
  'error',
  'topology',
  'trace',
  'list',
  'find-results',
  'where',
  'files',
  'help',
  'partials',
  'limits',
  'leaving',
]);

/** The sentence a person watching stderr should see for an event, if any. */
function diagnostic(e: PeerEvent): string | undefined {
  switch (e.event) {
    case 'server':
      if (e.state === 'unreachable') {
        return `cannot reach the metadata server at ${e.address} (${e.message ?? 'no answer'}); retrying in ${((e.retryInMs ?? 0) / 1000).toFixed(1)} s`;
      }
      if (e.state === 'lost') return `lost the metadata server at ${e.address}; the mesh keeps working, reconnecting`;
      return undefined;
    case 'error':
      return e.message;
    case 'not-found':
      return e.message;
    case 'log':
      return e.level === 'warn' ? e.message : undefined;
    case 'ready':
      return `joined the mesh as ${e.name} on ${e.host}:${e.port}; neighbours: ${e.neighbours.join(', ') || 'none yet'}`;
    default:
      return undefined;
  }
}
