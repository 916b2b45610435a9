/**
 * The dashboard's line editor, kept free of blessed so that history and completion are unit-tested: the dashboard
 * forwards each keypress (blessed's `(ch, key)` pair) and acts on the result. Drawing our own line instead of using
 * blessed's textbox keeps Tab, Up/Down and Ctrl-C ours (the textbox inserts tabs and grabs keys while reading).
 * The cursor moves and deletes by whole characters (grapheme clusters, tui/text-width.ts): one Left steps over a
 * Chinese character, an emoji with its skin tone or ZWJ sequence, or a letter with its combining accent.
 */
import { graphemes, takeColumns, textWidth } from './text-width.js';

/** The part of blessed's key event this editor reads. */
export interface KeyInfo {
  name?: string | undefined;
  full?: string | undefined;
  ctrl?: boolean | undefined;
  meta?: boolean | undefined;
  shift?: boolean | undefined;
}

export type CommandLineResult =
  /** The key means nothing to the editor (the dashboard may use it). */
  | { kind: 'ignored' }
  /** Text or cursor changed. */
  | { kind: 'edited' }
  /** Enter: the line as typed (possibly empty); it is already in the history when not empty. */
  | { kind: 'submit'; line: string }
  /** Tab found no single answer: these candidates match (empty when nothing does). */
  | { kind: 'completions'; candidates: string[] };

export interface CommandLineOptions {
  /** Lines remembered for Up/Down. Default 100. */
  historySize?: number;
  /** Names Tab may complete to (file names seen offered); read at each Tab press. */
  completions?: () => Iterable<string>;
}

/** Command keywords offered by Tab along with file names (docs/CONTRACT.md "Peer commands"; `help` lists them). */
export const COMMAND_WORDS: readonly string[] = [
  'TOPO',
  'Stop',
  'Stop all',
  'help',
  'list',
  'files',
  'partials',
  'trusted',
  'mirror',
  'secure-get ',
  'cancel ',
  'seeding',
  'find ',
  'where ',
  'address-book ',
];

/** Commands whose argument is a file name or part of one: Tab completes the argument after them. */
const ARGUMENT_COMMAND = /^((?:find|where|address-book|cancel|secure-get)\s+)(.*)$/i;

export class CommandLine {
  private buffer = '';
  private caret = 0;
  private readonly history: string[] = [];
  /** Position while browsing history; history.length means "not browsing". */
  private historyIndex = 0;
  /** What was being typed before Up started browsing, restored by Down past the newest entry. */
  private draft = '';
  private readonly historySize: number;
  private readonly completions: () => Iterable<string>;
  /** Repeated Tab with an ambiguous prefix cycles through the candidates (after `head`, a command word if any). */
  private cycle: { head: string; candidates: string[]; index: number } | null = null;

  constructor(options: CommandLineOptions = {}) {
    this.historySize = options.historySize ?? 100;
    this.completions = options.completions ?? (() => []);
  }

  get text(): string {
    return this.buffer;
  }

  get cursor(): number {
    return this.caret;
  }

  /** Recalled lines, oldest first. */
  get entries(): readonly string[] {
    return this.history;
  }

  handleKey(ch: string | undefined, key: KeyInfo): CommandLineResult {
    const name = key.full ?? key.name ?? '';
    if (name !== 'tab') this.cycle = null;
    switch (name) {
      case 'return':
      case 'enter':
        return { kind: 'submit', line: this.submit() };
      case 'tab':
        return this.complete();
      case 'up':
        return this.edited(this.historyUp());
      case 'down':
        return this.edited(this.historyDown());
      case 'left':
      case 'C-b':
        return this.edited(this.move(this.previousBoundary()));
      case 'right':
      case 'C-f':
        return this.edited(this.move(this.nextBoundary()));
      case 'home':
      case 'C-a':
        return this.edited(this.move(0));
      case 'end':
      case 'C-e':
        return this.edited(this.move(this.buffer.length));
      case 'backspace':
      case 'C-h':
        return this.edited(this.caret > 0 && this.replace(this.previousBoundary(), this.caret, ''));
      case 'delete':
      case 'C-d':
        return this.edited(this.caret < this.buffer.length && this.replace(this.caret, this.nextBoundary(), ''));
      case 'C-u':
        return this.edited(this.replace(0, this.caret, ''));
      case 'C-k':
        return this.edited(this.replace(this.caret, this.buffer.length, ''));
      case 'C-w': {
        const before = this.buffer.slice(0, this.caret).replace(/\s+$/, '');
        const start = before.lastIndexOf(' ') + 1;
        return this.edited(this.replace(start, this.caret, ''));
      }
      default:
        break;
    }
    if (ch && !key.ctrl && !key.meta && /^[^\u0000-\u001f\u007f]+$/.test(ch)) {
      this.insert(ch);
      return { kind: 'edited' };
    }
    return { kind: 'ignored' };
  }

  /** Inserts text at the cursor (typing or a paste). */
  insert(text: string): void {
    this.replace(this.caret, this.caret, text);
  }

  /** Empties the line without touching the history. */
  clear(): void {
    this.replace(0, this.buffer.length, '');
  }

  /** Returns the current line, records it in the history and empties the editor. */
  submit(): string {
    const line = this.buffer;
    const trimmed = line.trim();
    if (trimmed !== '' && this.history[this.history.length - 1] !== trimmed) {
      this.history.push(trimmed);
      if (this.history.length > this.historySize) this.history.splice(0, this.history.length - this.historySize);
    }
    this.historyIndex = this.history.length;
    this.draft = '';
    this.buffer = '';
    this.caret = 0;
    return line;
  }

  /** The slice of the line that fits in `width` columns, scrolled so the cursor stays visible (cursor in columns). */
  visible(width: number): { text: string; cursor: number } {
    if (width <= 1) return { text: '', cursor: 0 };
    const before = graphemes(this.buffer.slice(0, this.caret));
    // One column is kept for the cursor when it sits after the last character.
    let start = before.length;
    let used = 1;
    while (start > 0 && used + textWidth(before[start - 1]!) <= width) used += textWidth(before[--start]!);
    const head = before.slice(start).join('');
    const text = takeColumns(head + this.buffer.slice(this.caret), width);
    return { text, cursor: textWidth(head) };
  }

  /** Where the character before the cursor starts. */
  private previousBoundary(): number {
    const before = graphemes(this.buffer.slice(0, this.caret));
    return this.caret - (before[before.length - 1]?.length ?? 0);
  }

  /** Where the character after the cursor ends. */
  private nextBoundary(): number {
    return this.caret + (graphemes(this.buffer.slice(this.caret))[0]?.length ?? 0);
  }

  private complete(): CommandLineResult {
    if (this.cycle) {
      const { head, candidates } = this.cycle;
      this.cycle.index = (this.cycle.index + 1) % candidates.length;
      this.setText(head + candidates[this.cycle.index]!);
      return { kind: 'completions', candidates };
    }
    const argument = ARGUMENT_COMMAND.exec(this.buffer);
    const head = argument ? argument[1]! : '';
    const prefix = folded(argument ? argument[2]! : this.buffer);
    const seen = new Set<string>();
    const candidates: string[] = [];
    for (const name of argument ? this.completions() : [...COMMAND_WORDS, ...this.completions()]) {
      if (!folded(name).startsWith(prefix) || seen.has(name)) continue;
      seen.add(name);
      candidates.push(name);
    }
    candidates.sort((a, b) => a.localeCompare(b));
    if (candidates.length === 1) {
      this.setText(head + candidates[0]!);
      return { kind: 'edited' };
    }
    if (candidates.length === 0) return { kind: 'completions', candidates };
    const common = commonPrefix(candidates);
    if (folded(common).length > prefix.length) {
      this.setText(head + common);
    } else {
      // Nothing more to add: further Tabs walk through the candidates.
      this.cycle = { head, candidates, index: -1 };
    }
    return { kind: 'completions', candidates };
  }

  private historyUp(): boolean {
    if (this.historyIndex === 0) return false;
    if (this.historyIndex === this.history.length) this.draft = this.buffer;
    this.historyIndex -= 1;
    this.setText(this.history[this.historyIndex]!);
    return true;
  }

  private historyDown(): boolean {
    if (this.historyIndex >= this.history.length) return false;
    this.historyIndex += 1;
    this.setText(this.historyIndex === this.history.length ? this.draft : this.history[this.historyIndex]!);
    return true;
  }

  private setText(text: string): void {
    this.buffer = text;
    this.caret = text.length;
  }

  private move(to: number): boolean {
    const next = Math.max(0, Math.min(this.buffer.length, to));
    if (next === this.caret) return false;
    this.caret = next;
    return true;
  }

  private replace(from: number, to: number, text: string): boolean {
    if (from === to && text === '') return false;
    this.buffer = this.buffer.slice(0, from) + text + this.buffer.slice(to);
    this.caret = from + text.length;
    return true;
  }

  private edited(changed: boolean): CommandLineResult {
    return changed ? { kind: 'edited' } : { kind: 'ignored' };
  }
}

/** How names are compared while completing: case-insensitive, and `é` typed composed matches `é` stored decomposed. */
function folded(text: string): string {
  return text.normalize('NFC').toLowerCase();
}

/** Longest prefix of whole characters shared by all names, compared as `folded`, spelled as in the first. */
function commonPrefix(names: readonly string[]): string {
  const first = graphemes(names[0] ?? '');
  let end = first.length;
  for (const n of names.slice(1)) {
    const other = graphemes(n);
    let i = 0;
    while (i < end && i < other.length && folded(other[i]!) === folded(first[i]!)) i += 1;
    end = i;
  }
  return first.slice(0, end).join('');
}
