import type { PeerEvent, TraceAction } from '../../peer/control/peer-events.js';

type TraceEvent = Extract<PeerEvent, { event: 'trace' }>;

/** How each action shows beside a peer's name: unicode, then plain ASCII. */
const GLYPHS: Record<TraceAction, [string, string]> = {
  forwarded: ['→', '>'],
  duplicate: ['×', 'x'],
  answered: ['✓', '+'],
  expired: ['⌛', '~'],
};

/** The picture's key to the marks. */
export function traceLegend(unicode: boolean): string {
  const g = (a: TraceAction) => GLYPHS[a][unicode ? 0 : 1];
  return `${g('forwarded')} forwarded ${g('duplicate')} duplicate ${g('answered')} answered ${g('expired')} expired`;
}

/** How long each step waits for the next: about three seconds in all, never a blink, never a crawl. */
export function traceStepMs(steps: number): number {
  return steps === 0 ? 0 : Math.max(40, Math.min(400, Math.floor(3000 / steps)));
}

/** A peer's mark: what its first copy did, then × when it also dropped a duplicate. */
export interface TraceMark {
  primary?: TraceAction;
  dropped: boolean;
}

export function markText(mark: TraceMark, unicode: boolean): string {
  const glyph = (a: TraceAction) => GLYPHS[a][unicode ? 0 : 1];
  return `${mark.primary ? glyph(mark.primary) : ''}${mark.dropped ? glyph('duplicate') : ''}`;
}

/** One key for a link, whichever way it is named (names compare case-insensitively). */
export function pairKey(a: string, b: string): string {
  return [a.toLowerCase(), b.toLowerCase()].sort().join('\u0000');
}

/** When the last step of a trace of `steps` steps lights up, in ms after it arrived. */
export function traceAnimationMs(steps: number): number {
  return Math.max(0, steps - 1) * traceStepMs(steps);
}

/** How long the marks stay once every step is shown. */
const HOLD_MS = 20_000;

/** What the topology picture shows of a trace at one moment. */
export interface TraceMarks {
  file: string;
  /** Steps lit so far, of `total`. */
  shown: number;
  total: number;
  /** By lower-case name: the marks of the steps lit so far. */
  marks: Map<string, TraceMark>;
  /** The marks once every step is lit: each label reserves room for its own, so the layout does not move. */
  final: Map<string, TraceMark>;
  /** The links a first copy travelled so far (`pairKey`): the flood's tree. */
  paths: Set<string>;
}

/**
 * Plays the last `trace` answer on the topology picture: its steps light up one by one in the order the core gave
 * them (by estimated time, then hops), a peer's mark being what its first copy did (→ ✓ ⌛) and × when it also
 * dropped a duplicate; the marks stay a while after the last one, then go.
 */
export class TraceAnimation {
  private trace: TraceEvent | null = null;
  private start = 0;
  private shown = 0;

  play(e: TraceEvent, now: number): void {
    this.trace = e;
    this.start = now;
    this.shown = e.steps.length > 0 ? 1 : 0;
  }

  /** True when another step lit up, or the marks went. */
  tick(now: number): boolean {
    if (!this.trace) return false;
    const n = this.trace.steps.length;
    const step = traceStepMs(n);
    if (now - this.start > traceAnimationMs(n) + HOLD_MS) {
      this.trace = null;
      return true;
    }
    const shown = Math.min(n, 1 + Math.floor((now - this.start) / Math.max(1, step)));
    if (shown === this.shown) return false;
    this.shown = shown;
    return true;
  }

  view(): TraceMarks | null {
    if (!this.trace) return null;
    const t = this.trace;
    const [shown, total] = [this.shown, t.steps.length];
    const paths = new Set(
      t.steps
        .slice(0, shown)
        .filter((s) => s.action !== 'duplicate')
        .map((s) => pairKey(s.peer, s.from)),
    );
    return { file: t.file, shown, total, marks: this.marksOf(shown), final: this.marksOf(total), paths };
  }

  private marksOf(count: number): Map<string, TraceMark> {
    const out = new Map<string, TraceMark>();
    for (const s of this.trace!.steps.slice(0, count)) {
      const key = s.peer.toLowerCase();
      const mark = out.get(key) ?? { dropped: false };
      if (s.action === 'duplicate') mark.dropped = true;
      else mark.primary ??= s.action;
      out.set(key, mark);
    }
    return out;
  }
}
