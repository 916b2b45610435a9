import { parseCommand } from './command-parser.js';

/**
 * Numbers command lines and holds them until the peer has joined (docs/CONTRACT.md "Commands"): a line read before
 * `ready` (a script piping commands into a starting peer) runs once the peer is ready, in order, never against a
 * half-joined peer. `Stop` and `Stop all` are never held: leaving must work at any time. If the peer leaves before
 * it joined, each held line is answered with `dropped`.
 */
export class CommandGate {
  private count = 0;
  private held: [string, number][] | undefined = [];

  constructor(
    private readonly run: (line: string, cmd: number) => void,
    private readonly dropped: (cmd: number) => void,
  ) {}

  /** Numbers the line (1, 2, …) and runs it now, or once the gate opens; returns its number. */
  submit(line: string): number {
    const cmd = ++this.count;
    const kind = parseCommand(line).kind;
    if (this.held && kind !== 'stop' && kind !== 'stop-all') this.held.push([line, cmd]);
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
