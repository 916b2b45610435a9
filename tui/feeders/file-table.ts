import { padEndColumns, padStartColumns, textWidth } from '../text-width.js';

/** A log line as the log feeder takes it: level, text and, for a table's row, the column its wrapped rows go on at. */
export type Described = [level: 'dim' | 'info' | 'ok' | 'warn' | 'error', text: string, indent?: number];

/** Indented, column-aligned rows for list / find / where / trusted answers (widths in terminal columns). */
export function fileTable(rows: readonly [string, string, string][]): Described[] {
  const first = Math.max(0, ...rows.map((r) => textWidth(r[0])));
  const second = Math.max(0, ...rows.map((r) => textWidth(r[1])));
  return rows.map((r): Described => [
    'info',
    `  ${padEndColumns(r[0], first)}  ${padStartColumns(r[1], second)}  ${r[2]}`,
    first + second + 6,
  ]);
}
