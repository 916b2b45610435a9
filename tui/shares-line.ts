import type { TransferRow } from './feeders/transfers-feeder.js';
import type { ShareRow } from './feeders/source-shares.js';
import { formatBytes } from './format.js';
import { partsLength, styled, type Part } from './styled-text.js';

/**
 * The line under a download that says who sent what:
 * `  resumed 600 MB · s3 120 MB (60%) · s5 80 MB (40%) · s2 ✗ 2.0 MB (1%)`.
 * Null when it would add nothing: an upload, or a download from one holder that did not resume (the row already
 * names its holder). A holder that stopped sending is dimmed and marked ✗ while the download is in flight; once it
 * is finished every holder has stopped, so the mark would say nothing. When the line is too wide, the percents
 * stay and the byte counts go (the smallest contributors' first), then the smallest contributors are counted
 * (`+2 more`), then the line is cut.
 */
export function sharesLine(r: TransferRow, width: number, unicode: boolean): string | null {
  const resumed = r.resumedFrom > 0;
  if (r.direction !== 'down' || (r.shares.length < 2 && !resumed)) return null;
  const inFlight = r.state === 'active';
  const several = r.shares.length > 1;
  const lead: Part[] = ['  ', ...(resumed ? [[`resumed ${formatBytes(r.resumedFrom)}`, 'yellow-fg'] as const] : [])];
  const full = r.shares.map((s) => item(s, inFlight, unicode, several ? 'both' : 'bytes'));
  const compact = r.shares.map((s) => item(s, inFlight, unicode, several && s.percent !== null ? 'percent' : 'bytes'));
  const join = (items: readonly Part[][], rest = 0): Part[] => {
    const pieces: Part[][] = [...items, ...(rest > 0 ? [[[`+${rest} more`, 'gray-fg'] as const]] : [])];
    const out: Part[] = [...lead];
    pieces.forEach((p, i) => out.push(...(i > 0 || resumed ? [SEPARATOR] : []), ...p));
    return out;
  };
  // The smallest contributors lose their byte counts first.
  for (let k = full.length; k >= 0; k -= 1) {
    const line = join([...full.slice(0, k), ...compact.slice(k)]);
    if (partsLength(line) <= width) return styled(line, width, unicode);
  }
  // The biggest contributors by name, the rest counted.
  for (let k = compact.length - 1; k >= 1; k -= 1) {
    const line = join(compact.slice(0, k), compact.length - k);
    if (partsLength(line) <= width) return styled(line, width, unicode);
  }
  return styled(join(compact), width, unicode);
}

const SEPARATOR: Part = [' · ', 'gray-fg'];

/** One holder: `s3 120 MB (60%)`, `s3 60%` or `s3 120 MB`; dimmed with ✗ when it stopped mid-download. */
function item(s: ShareRow, inFlight: boolean, unicode: boolean, show: 'both' | 'bytes' | 'percent'): Part[] {
  const dropped = inFlight && !s.active;
  const percent = s.percent === null ? '' : `${s.percent}%`;
  const amount =
    show === 'percent'
      ? ` ${percent}`
      : show === 'both' && percent !== ''
        ? ` ${formatBytes(s.bytes)} (${percent})`
        : ` ${formatBytes(s.bytes)}`;
  return [
    [s.name, dropped ? 'gray-fg' : 'cyan-fg'],
    ...(dropped ? [[` ${unicode ? '✗' : 'x'}`, 'red-fg'] as const] : []),
    [amount, dropped ? 'gray-fg' : ''],
  ];
}
