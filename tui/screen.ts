import blessed from 'blessed';
import { decodeOutput, localeIsUtf8, TerminalCells } from './terminal-cells.js';
import { constructQuietly } from './terminal-guard.js';

/** The blessed screen, the cells its text goes through, and what the terminal printed while it was set up. */
export interface DashboardScreen {
  screen: blessed.Widgets.Screen;
  cells: TerminalCells;
  utf8: boolean;
  /** Output caught while the screen was constructed (terminfo complaints, tui/terminal-guard.ts). */
  captured: string;
}

/**
 * Opens the terminal for the dashboard. The locale decides whether names are drawn as they are or as `?`
 * (tui/terminal-cells.ts); blessed is told the same.
 */
export function openScreen(title: string): DashboardScreen {
  const utf8 = localeIsUtf8();
  const { value: screen, captured } = constructQuietly(() =>
    blessed.screen({
      smartCSR: true,
      forceUnicode: utf8,
      // An array, despite @types/blessed: Ctrl-C must reach our keypress handler even while blessed is locked.
      ignoreLocked: ['C-c'],
      title,
      warnings: false,
    }),
  );
  // blessed installs an uncaughtException handler that prints the error itself and exits on the next tick;
  // Node's own handling (and the dashboard's crash hook, which restores the terminal first) is the one we want.
  const handler = (blessed as unknown as { Screen?: { _exceptionHandler?: (err: Error) => void } }).Screen
    ?._exceptionHandler;
  if (handler) process.removeListener('uncaughtException', handler);
  const cells = new TerminalCells(utf8);
  decodeOutput(screen.program, cells);
  return { screen, cells, utf8, captured };
}
