import type { MirrorOwnerStatus } from '../peer/control/peer-events.js';
import type { MirrorView } from './feeders/mirror-feeder.js';
import { fit, fitRight, formatBytes, formatDuration, progressBar } from './format.js';
import type { ScrollState } from './scroll-state.js';
import { partsLength, styled, type Part } from './styled-text.js';
import { textWidth } from './text-width.js';

/**
 * A mirror peer's owners (tui/feeders/mirror-feeder.ts) as text: the Mirror panel (one line per owner, the facts that
 * fit) and the `mirror` view (every owner in a table: state, behind, files and bytes held, last change, and under a
 * syncing owner a progress bar of the whole folder in the style of the Transfers panel). Pure, like panel-text.ts.
 */

const count = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, word: string) => `${count(n)} ${word}${n === 1 ? '' : 's'}`;

/** `12s ago`, or `never` before the first change. */
export function lastChangeText(t: number | null, now: number): string {
  if (t === null) return 'never';
  return now - t < 1000 ? 'just now' : `${formatDuration(now - t)} ago`;
}

/** How far the current sync round is, as a fraction of its bytes (of its files when it has no bytes to move). */
export function syncFraction(o: MirrorOwnerStatus): number {
  const f = o.total.bytes > 0 ? o.done.bytes / o.total.bytes : o.total.files > 0 ? o.done.files / o.total.files : 1;
  return Number.isFinite(f) ? Math.min(1, Math.max(0, f)) : 0;
}

/** `400 of 1,200 files · 1.2 GB of 3.6 GB` */
function progressFacts(o: MirrorOwnerStatus): string {
  return `${count(o.done.files)} of ${plural(o.total.files, 'file')} · ${formatBytes(o.done.bytes)} of ${formatBytes(o.total.bytes)}`;
}

const STATE_STYLE = {
  'in-sync': 'bold,green-fg',
  syncing: 'bold,yellow-fg',
  offline: 'bold,gray-fg',
  refused: 'bold,red-fg',
} as const;

/** The state in a word or two: `✓ in sync`, `syncing 33%`, `offline`, `✗ refused`. */
export function stateText(o: MirrorOwnerStatus, unicode: boolean): string {
  switch (o.state) {
    case 'in-sync':
      return `${unicode ? '✓' : 'ok'} in sync`;
    case 'syncing':
      return `syncing ${Math.floor(syncFraction(o) * 100)}%`;
    case 'offline':
      return 'offline';
    case 'refused':
      return `${unicode ? '✗' : 'x'} refused`;
  }
}

/** Every owner's files behind and held, and bytes held, added up. */
function totals(v: MirrorView): MirrorOwnerStatus {
  const sum = (f: (o: MirrorOwnerStatus) => number) => v.owners.reduce((n, o) => n + f(o), 0);
  const none = { files: 0, bytes: 0 };
  const [behind, files, bytes] = [sum((o) => o.behind), sum((o) => o.files), sum((o) => o.bytes)];
  return {
    owner: 'total',
    state: 'in-sync',
    version: 0,
    behind,
    files,
    bytes,
    total: none,
    done: none,
    lastChange: null,
  };
}

/**
 * The Mirror panel: one line per owner (name, then its state with the facts that fit: a syncing owner's bar and
 * files done, an in-sync owner's files held and last change, an offline one's files behind, a refusal's reason), a
 * `+N more` line when they do not all fit; with a row to spare, a line saying what `Mirror/` holds and that `mirror`
 * shows more, and with more rows, a second line under a syncing owner (its bytes) or an offline one (its reason).
 */
export function mirrorPanelLines(
  v: MirrorView,
  width: number,
  height: number,
  now: number,
  unicode: boolean,
): string[] {
  if (height <= 0) return [];
  if (v.owners.length === 0) return [styled([['no other member to mirror yet', 'gray-fg']], width, unicode)];
  const nameWidth = Math.min(12, Math.max(2, ...v.owners.map((o) => textWidth(o.owner))));
  const rows = v.owners.map((o) => panelRow(o, nameWidth, width, now, unicode));
  if (rows.length > height) {
    const more = `+${rows.length - height + 1} more · type mirror`;
    return [...rows.slice(0, height - 1), styled([[more, 'gray-fg']], width, unicode)];
  }
  if (height === rows.length) return rows;
  // Rows to spare (one kept for the footer) go to details under the owners, in order: a sync's bytes, why offline.
  let spare = height - rows.length - 1;
  const out: string[] = [];
  v.owners.forEach((o, i) => {
    out.push(rows[i]!);
    const detail = spare > 0 ? panelDetail(o, nameWidth) : null;
    if (detail === null) return;
    out.push(styled([[detail, 'gray-fg']], width, unicode));
    spare -= 1;
  });
  const all = totals(v);
  const held = `${plural(all.files, 'file')}, ${formatBytes(all.bytes)}`;
  const footer = [`Mirror/ holds ${held} · type mirror for details`, `${held} · type mirror`, 'type mirror'];
  return [...out, styled([[footer.find((f) => textWidth(f) <= width) ?? '', 'gray-fg']], width, unicode)];
}

/** A second line under an owner, when the panel has room: a sync's bytes and how far behind, why it is offline. */
function panelDetail(o: MirrorOwnerStatus, nameWidth: number): string | null {
  const indent = ' '.repeat(nameWidth + 1);
  if (o.state === 'syncing')
    return `${indent}${formatBytes(o.done.bytes)} of ${formatBytes(o.total.bytes)} · ${plural(o.behind, 'file')} behind`;
  if (o.state === 'offline' && o.problem) return `${indent}${o.problem}`;
  return null;
}

function panelRow(o: MirrorOwnerStatus, nameWidth: number, width: number, now: number, unicode: boolean): string {
  const left: Part[] = [[fit(o.owner, nameWidth, unicode), 'bold'], ' '];
  const room = width - partsLength(left);
  const state: Part = [stateText(o, unicode), STATE_STYLE[o.state]];
  const ago = lastChangeText(o.lastChange, now);
  // The facts after the state, fullest first: the first that fits is shown.
  const variants: Part[][] = (() => {
    switch (o.state) {
      case 'in-sync':
        return [[state, ` ${plural(o.files, 'file')} ${formatBytes(o.bytes)} · ${ago}`], [state, ` · ${ago}`], [state]];
      case 'syncing': {
        const facts = [
          ` ${count(o.done.files)}/${plural(o.total.files, 'file')}`,
          ` ${count(o.done.files)}/${count(o.total.files)}`,
          '',
        ];
        return facts.map((f): Part[] => {
          const bar = Math.min(20, room - textWidth(f) - 1);
          return bar >= 4 ? [[progressBar(syncFraction(o), bar, unicode), 'green-fg'], f] : [state];
        });
      }
      case 'offline':
        return [
          [state, ` · ${plural(o.behind, 'file')} behind · ${ago}`],
          [state, ` · ${count(o.behind)} behind`],
          [state],
        ];
      case 'refused':
        return [[state, o.problem ? `: ${o.problem}` : '']];
    }
  })();
  const chosen = variants.find((parts) => partsLength(parts) <= room) ?? variants[variants.length - 1]!;
  return styled([...left, ...chosen], width, unicode);
}

/** The `mirror` view's rows below its header (for its height and scrolling): the column titles, then the owners. */
function tableRows(v: MirrorView, width: number, now: number, unicode: boolean): string[] {
  const nameWidth = Math.min(16, Math.max(5, ...v.owners.map((o) => textWidth(o.owner))));
  const stateWidth = 12;
  const numbers: [title: string, width: number, cell: (o: MirrorOwnerStatus) => string][] = [
    ['behind', 7, (o) => count(o.behind)],
    ['files', 8, (o) => count(o.files)],
    ['held', 9, (o) => formatBytes(o.bytes)],
    ['last change', 12, (o) => lastChangeText(o.lastChange, now)],
  ];
  const lastColumn = numbers[3];
  // Columns from the right go first when narrow (last change, then held…); name and state always show.
  const shown: typeof numbers = [];
  let used = nameWidth + 1 + stateWidth;
  for (const c of numbers) {
    if (used + 1 + c[1] > width) break;
    shown.push(c);
    used += 1 + c[1];
  }
  const head = styled(
    [
      [
        [fit('owner', nameWidth), fit('state', stateWidth), ...shown.map((c) => fitRight(c[0], c[1]))].join(' '),
        'bold,gray-fg',
      ],
    ],
    width,
    unicode,
  );
  const rows: string[] = [head];
  for (const o of v.owners) {
    rows.push(
      styled(
        [
          [fit(o.owner, nameWidth, unicode), 'bold'],
          ' ',
          [fit(stateText(o, unicode), stateWidth, unicode), STATE_STYLE[o.state]],
          ...shown.map((c): Part => ` ${fitRight(c[2](o), c[1], unicode)}`),
        ],
        width,
        unicode,
      ),
    );
    const indent = '  ';
    if (o.state === 'syncing') {
      // The folder as a whole, as Transfers draws one download: the bar, then what of the round is done.
      const facts = ` ${progressFacts(o)}`;
      const bar = Math.max(4, Math.min(40, width - indent.length - textWidth(facts)));
      rows.push(styled([indent, [progressBar(syncFraction(o), bar, unicode), 'green-fg'], facts], width, unicode));
    }
    if (o.problem && (o.state === 'refused' || o.state === 'offline'))
      rows.push(styled([indent, [o.problem, o.state === 'refused' ? 'red-fg' : 'gray-fg']], width, unicode));
  }
  if (v.owners.length > 1) {
    const all = totals(v);
    const cells = shown.map((c): Part => ` ${fitRight(c === lastColumn ? '' : c[2](all), c[1], unicode)}`);
    rows.push(styled([[fit('total', nameWidth + 1 + stateWidth), 'bold'], ...cells], width, unicode));
  }
  return rows;
}

/** The `mirror` view's header: how many owners in which state, and what is held. */
function viewHeader(v: MirrorView): string {
  if (!v.active) return 'mirror: this peer does not mirror (start it with --mirror)';
  if (v.owners.length === 0) return 'mirror: no other member to mirror yet';
  const states = (['in-sync', 'syncing', 'offline', 'refused'] as const)
    .map((s) => [s, v.owners.filter((o) => o.state === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s === 'in-sync' ? 'in sync' : s}`);
  return `mirror: ${plural(v.owners.length, 'owner')} · ${states.join(', ')}`;
}

/** Inner rows the `mirror` view needs (header, column titles, owners with their bar or problem, total, footer). */
export function mirrorViewRows(v: MirrorView): number {
  const extra = (o: MirrorOwnerStatus) =>
    (o.state === 'syncing' ? 1 : 0) + (o.problem && (o.state === 'refused' || o.state === 'offline') ? 1 : 0);
  return 3 + (v.owners.length > 1 ? 1 : 0) + v.owners.reduce((n, o) => n + 1 + extra(o), 0);
}

/** The `mirror` view: its header on top, the table scrolled under it, a footer saying where it is and how to close. */
export function mirrorViewLines(
  v: MirrorView,
  width: number,
  height: number,
  now: number,
  unicode: boolean,
  scroll: ScrollState,
): string[] {
  if (height <= 0 || width <= 0) return [];
  const header = styled([[viewHeader(v), 'bold']], width, unicode);
  const rows = tableRows(v, width, now, unicode);
  const room = Math.max(1, height - 2);
  const start = scroll.layout(
    rows.map((_, key) => ({ key, sub: 0 })),
    room,
  );
  const shown = rows.slice(start, start + room);
  const all = start === 0 && shown.length === rows.length;
  const where = all ? '' : `rows ${start + 1}–${start + shown.length} of ${rows.length} · PgUp/PgDn, wheel scroll · `;
  const footer = styled([[`${where}Esc closes`, 'gray-fg']], width, unicode);
  return [header, ...shown, ...Array<string>(Math.max(0, room - shown.length)).fill(''), footer].slice(0, height);
}
