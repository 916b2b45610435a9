import { answerRect, fitsInPanel, type AnswerContent } from './answer-view.js';
import type { MirrorView } from './feeders/mirror-feeder.js';
import type { LayoutRects, Rect } from './layout.js';
import { mirrorViewRows } from './mirror-text.js';
import { ScrollState } from './scroll-state.js';

/**
 * What the scrolling keys and the mouse wheel move, and which view is open over the panels (the TOPO view, or a
 * long answer). The command line keeps the focus throughout: only keys that type nothing scroll (PgUp/PgDn,
 * Shift-Up/Down), and Home/End scroll only when they cannot move the cursor (at the start or end of the line,
 * so on an empty line at once). Pure, so the key handling is unit-tested.
 */

export type Overlay = { kind: 'topology' } | { kind: 'mirror' } | { kind: 'answer'; content: AnswerContent };

/** Rows one notch of the mouse wheel scrolls. */
export const WHEEL_ROWS = 3;

export class Scrolling {
  /** The log panel: at rest at its bottom, following new lines. */
  readonly log = new ScrollState('bottom');
  /** The open view: at rest at its top. */
  readonly view = new ScrollState('top');
  private current: Overlay | null = null;

  get overlay(): Overlay | null {
    return this.current;
  }

  /** Opens `overlay` at its top (replacing any open one). */
  open(overlay: Overlay): void {
    this.current = overlay;
    this.view.reset();
  }

  /**
   * Opens `content` in a view when it cannot show whole in the log panel `log` with `spare` rows to spare; says
   * whether it did.
   */
  openIfLong(content: AnswerContent, log: Rect, spare = 0): boolean {
    if (fitsInPanel(content.lines, log, spare)) return false;
    this.open({ kind: 'answer', content });
    return true;
  }

  /**
   * `rects` with the open view's place: an answer's view, or the mirror view (of `mirror`), is only as tall as it
   * needs, at the bottom of the body.
   */
  place(rects: LayoutRects, mirror?: MirrorView): LayoutRects {
    const overlay = this.current;
    if (overlay?.kind === 'answer') return { ...rects, overlay: answerRect(rects.overlay, overlay.content) };
    if (overlay?.kind !== 'mirror') return rects;
    const body = rects.overlay;
    const height = Math.min(body.height, (mirror ? mirrorViewRows(mirror) : 3) + 2);
    return { ...rects, overlay: { ...body, top: body.top + body.height - height, height } };
  }

  /** Closes the open view; false when none was open. */
  close(): boolean {
    const was = this.current !== null;
    this.current = null;
    return was;
  }

  /** Scrolls for key `name` (blessed's full name) and says whether it did; `line` is the command line. */
  key(name: string, line: { text: string; cursor: number }): boolean {
    const target = this.current ? this.view : this.log;
    switch (name) {
      case 'pageup':
        target.page(-1);
        return true;
      case 'pagedown':
        target.page(1);
        return true;
      case 'S-up':
        target.scrollBy(-1);
        return true;
      case 'S-down':
        target.scrollBy(1);
        return true;
      case 'home':
        if (line.cursor !== 0) return false;
        target.home();
        return true;
      case 'end':
        if (line.cursor !== line.text.length) return false;
        target.end();
        return true;
      default:
        return false;
    }
  }

  /** One notch of the mouse wheel: -1 up (older lines), 1 down. */
  wheel(direction: -1 | 1): void {
    (this.current ? this.view : this.log).scrollBy(direction * WHEEL_ROWS);
  }
}
