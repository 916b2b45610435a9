import type { TransferRow, TransfersView } from './feeders/transfers-feeder.js';
import { formatBytes, formatDuration, formatRate, progressBar } from './format.js';
import { sharesLine } from './shares-line.js';
import { partsLength, styled, spread, type Part } from './styled-text.js';
import { textWidth } from './text-width.js';

/**
 * Transfers: an in-flight one takes two lines (facts, then its bar); a finished or searching one takes one. A
 * download from several holders (or a resumed one) adds a line saying who sent what (shares-line.ts), but only in
 * the room left once every row that fits is placed: when space is short that line goes before any row or bar does.
 */
export function transferLines(v: TransfersView, width: number, height: number, unicode: boolean): string[] {
  if (v.rows.length === 0) return [styled([['no transfers now: type a file name below', 'gray-fg']], width, unicode)];
  const rows = v.rows.map((row) => ({
    main: transferRowLines(row, width, unicode),
    shares: sharesLine(row, width, unicode),
  }));
  let used = 0;
  let shown = 0;
  for (const row of rows) {
    const remaining = rows.length - shown - 1;
    // Keep the last line for "+N more" when rows remain after this one.
    if (used + row.main.length > height - (remaining > 0 ? 1 : 0)) break;
    used += row.main.length;
    shown += 1;
  }
  const more = shown < rows.length && used < height;
  let spare = height - used - (more ? 1 : 0);
  const out: string[] = [];
  for (const row of rows.slice(0, shown)) {
    out.push(...row.main);
    if (row.shares !== null && spare > 0) {
      out.push(row.shares);
      spare -= 1;
    }
  }
  if (more) out.push(styled([[`+${rows.length - shown} more`, 'gray-fg']], width, unicode));
  return out;
}

function transferRowLines(r: TransferRow, width: number, unicode: boolean): string[] {
  const arrow = r.direction === 'down' ? (unicode ? '↓' : 'v') : unicode ? '↑' : '^';
  const who =
    r.direction === 'up'
      ? r.peer === null
        ? ''
        : ` → ${r.peer}`
      : r.sources.length === 0
        ? ''
        : // Several holders serve one download: name two, count the rest.
          ` ← ${r.sources.slice(0, 2).join('+')}${r.sources.length > 2 ? `+${r.sources.length - 2}` : ''}`;
  const left: Part[] = [
    [`${arrow} `, r.direction === 'down' ? 'green-fg' : 'magenta-fg'],
    [r.file, 'bold'],
    [who, 'gray-fg'],
  ];
  const size = r.bytes === null ? '' : formatBytes(r.bytes);
  // A finished row keeps the file and the other peer readable: its outcome shrinks first when the panel is narrow.
  const outcome = (variants: Part[][]) =>
    spread(
      left,
      variants.find((v) => partsLength(left) + 1 + partsLength(v) <= width) ?? variants[variants.length - 1]!,
      width,
      unicode,
    );
  const tick = unicode ? '✓' : 'ok';
  switch (r.state) {
    case 'searching':
      return [outcome([[['searching the mesh…', 'yellow-fg']], [['searching…', 'yellow-fg']]])];
    case 'verified':
      return [
        outcome([
          [[`${tick} verified `, 'bold,green-fg'], `${size}${r.speed === null ? '' : ` · ${formatRate(r.speed)}`}`],
          [[`${tick} verified `, 'bold,green-fg'], size],
          [[`${tick} verified`, 'bold,green-fg']],
        ]),
      ];
    case 'sent':
      return [outcome([[[`${tick} sent `, 'bold,green-fg'], size], [[`${tick} sent`, 'bold,green-fg']]])];
    case 'failed': {
      const why = `${r.reason ?? 'unknown'}${r.kept === null ? '' : ` (${formatBytes(r.kept)} kept)`}`;
      const reason = `${unicode ? '✗' : 'x'} failed: ${why}`;
      if (partsLength(left) + 1 + textWidth(reason) <= width)
        return [spread(left, [[reason, 'bold,red-fg']], width, unicode)];
      // Too long for one line: the reason gets a line of its own, since it is the point of the row.
      return [
        spread(left, [[`${unicode ? '✗' : 'x'} failed`, 'bold,red-fg']], width, unicode),
        styled(
          [
            ['  ', ''],
            [why, 'red-fg'],
          ],
          width,
          unicode,
        ),
      ];
    }
    case 'active': {
      const percent = r.fraction === null ? '  ?%' : `${Math.floor(r.fraction * 100)}%`.padStart(4);
      const speed = r.speed === null ? '' : formatRate(r.speed);
      const eta = r.etaMs === null ? (r.speed === 0 ? 'stalled' : '') : `ETA ${formatDuration(r.etaMs)}`;
      const facts = `${formatBytes(r.done)} / ${size || '?'}`;
      const barWidth = Math.max(4, width - facts.length - 3);
      return [
        spread(left, [[percent, 'bold'], `  ${speed}  ${eta}`.trimEnd()], width, unicode),
        styled(
          [
            ['  ', ''],
            [progressBar(r.fraction ?? 0, barWidth - 2, unicode), r.direction === 'down' ? 'green-fg' : 'magenta-fg'],
            ` ${facts}`,
          ],
          width,
          unicode,
        ),
      ];
    }
  }
}
