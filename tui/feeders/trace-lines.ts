import type { PeerEvent } from '../../peer/control/peer-events.js';
import { padEndColumns, textWidth } from '../text-width.js';
import type { Described } from './file-table.js';
import { traceAnimationMs } from './trace-animation.js';

type TraceEvent = Extract<PeerEvent, { event: 'trace' }>;

/** Step rows one trace logs at most; the picture and the JSON event have them all. */
const MAX_STEP_LINES = 30;

/** The answer to `trace FILE` in the log, at once: a title, then one row per step in the order they are drawn. */
export function traceStepLines(e: TraceEvent): Described[] {
  const width = Math.max(4, ...e.steps.map((s) => textWidth(`${s.peer} ← ${s.from}`)));
  const rows = e.steps.slice(0, MAX_STEP_LINES).map((s): Described => {
    const ms = `${s.ms.toFixed(2)} ms`.padStart(10);
    return ['info', `  ${ms}  ${padEndColumns(`${s.peer} ← ${s.from}`, width)}  hop ${s.hops}  ${s.action}`];
  });
  const more = e.steps.length - rows.length;
  return [
    [
      'info',
      `trace ${e.file}: ${e.steps.length} cop${e.steps.length === 1 ? 'y' : 'ies'} of the query (hop limit ${e.limit})`,
    ],
    ...rows,
    ...(more > 0 ? [['dim', `  … ${more} more steps (headless mode prints them all)`] as Described] : []),
  ];
}

/** The summary, logged once the picture has drawn the last step. */
export function traceSummary(e: TraceEvent): Described {
  const reached = `reached ${e.reached} peer${e.reached === 1 ? '' : 's'}`;
  const answered = e.answeredBy.length > 0 ? `answered by ${e.answeredBy.join(', ')}` : 'nobody answered';
  const rejected = e.rejected > 0 ? `; ${e.rejected} step${e.rejected === 1 ? '' : 's'} not believed` : '';
  const text = `trace ${e.file}: ${e.steps.length} messages, ${e.duplicates} duplicate${e.duplicates === 1 ? '' : 's'}, ${reached}, ${answered}${rejected} (a trace does not download)`;
  return [e.answeredBy.length > 0 ? 'ok' : 'warn', text];
}

/** Summaries waiting for their trace's picture to finish. */
export class TraceSummaries {
  private readonly due: { at: number; line: Described }[] = [];

  add(e: TraceEvent): void {
    if (this.due.length < 16) this.due.push({ at: e.t + traceAnimationMs(e.steps.length), line: traceSummary(e) });
  }

  /** The summaries due by `now`. */
  take(now: number): Described[] {
    const ready = this.due.filter((d) => d.at <= now);
    for (const d of ready) this.due.splice(this.due.indexOf(d), 1);
    return ready.map((d) => d.line);
  }
}
