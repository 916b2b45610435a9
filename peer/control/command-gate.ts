import { parseCommand } from './command-parser.js';

/**
 * Commands that need nothing of the mesh: answered at once, even before the peer has joined (a newcomer whose
 * metadata server is not running yet still gets `help`, and a mistyped line its error).
 */
const LOCAL = new Set(['stop', 'stop-all', 'help', 'files', 'partials', 'trusted', 'empty', 'invalid']);

/**
 * Numbers command lines and holds them until the peer has joined (docs/CONTRACT.md "Commands"): a line read before
 * `ready` (a script piping commands into a starting peer) runs once the peer is ready, in order, never against a
 * half-joined peer; `waiting` is told about it at once, so the user hears why nothing happens yet. Leaving and the
 * local commands are never held. If the peer leaves before it joined, each held line is answered with `dropped`.
 */
export class CommandGate {
  private count = 0;
  private held: [string, number][] | undefined = [];

  constructor(
    private readonly run: (line: string, cmd: number) => void,
    private readonly dropped: (cmd: number) => void,
    private readonly waiting: (line: string, cmd: number) => void = () => undefined,
  ) {}

  /** Numbers the line (1, 2, …) and runs it now, or once the gate opens; returns its number. */
  submit(line: string): number {
    const cmd = ++this.count;
    const kind = parseCommand(line).kind;
    if (this.held && !LOCAL.has(kind)) {
      this.held.push([line, cmd]);
      queueMicrotask(() => this.waiting(line, cmd));
    }
    // Run once the caller holds the number: even an immediate answer (an error, help) then finds it known.
    else queueMicrotask(() => this.run(line, cmd));
    return cmd;
  }

  /** The peer is ready: held lines run, in order, and later ones at once. */
  open(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const [line, cmd] of held) this.run(line, cmd);
  }

  /** The peer is leaving: nothing held will run. */
  close(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const [, cmd] of held) this.dropped(cmd);
  }
}

/** What a command read before the join is told: it runs once joined, and why that has not happened yet. */
export function notJoinedYet(line: string, server: { state: string; address: string } | undefined): string {
  const why =
    server && (server.state === 'unreachable' || server.state === 'lost')
      ? `the metadata server at ${server.address} cannot be reached (is metadata-server running there?); retrying`
      : 'joining';
  return `"${line.trim().slice(0, 80)}" runs once this peer has joined the mesh: ${why}`;
}
