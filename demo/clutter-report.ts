/**
 * What `npm run unclutter` (demo/unclutter.ts) says before it asks: every folder it would remove with its size, what
 * it leaves alone and why, and warnings for what a person might miss. Pure: a scan in, lines out.
 */
import { formatByteSize } from '../common/byte-size.js';
import type { ClutterItem, ClutterScan, Tally } from './clutter-scan.js';

export function formatTally(t: Tally): string {
  return `${t.files} ${t.files === 1 ? 'file' : 'files'}, ${formatByteSize(t.bytes)}`;
}

function what(item: ClutterItem): string {
  if (item.kind === 'peer') return 'a peer folder';
  if (item.kind === 'server-state') return "the metadata server's state folder";
  return "a demo's folder left behind";
}

/** The listing: what goes, then what stays. */
export function listingLines(scan: ClutterScan): string[] {
  const width = Math.min(40, Math.max(0, ...scan.items.map((i) => i.shown.length)));
  const lines = [`In ${scan.dir}:`];
  if (scan.items.length > 0) {
    lines.push('to remove:');
    for (const item of scan.items) {
      const use = item.inUse ? `  IN USE by a running ${item.inUse.what} (process ${item.inUse.pid})` : '';
      lines.push(`  ${item.shown.padEnd(width)}  ${what(item)}: ${formatTally(item.total)}${use}`);
    }
  }
  if (scan.skipped.length > 0) {
    lines.push('left alone:');
    for (const s of scan.skipped) lines.push(`  ${s.shown}: ${s.reason}`);
  }
  return lines;
}

/** What a person might not expect to lose. */
export function warningLines(scan: ClutterScan): string[] {
  const lines: string[] = [];
  for (const item of scan.items) {
    if (item.kind === 'peer' && item.userFiles.files > 0) {
      lines.push(
        `warning: ${item.shown} holds ${formatTally(item.userFiles)} in ${item.userFiles.folders.join(', ')}: ` +
          'they will be deleted too',
      );
    }
    if (item.kind === 'server-state') {
      lines.push(
        `warning: ${item.shown} holds the mesh key and the names bound to peer ids: a new server makes a new key, ` +
          'and peers on other machines need the new one',
      );
    }
  }
  return lines;
}

/** The one sentence for folders in use, or null when none is. */
export function inUseSentence(items: readonly ClutterItem[]): string | null {
  const busy = items.filter((i) => i.inUse);
  if (busy.length === 0) return null;
  const list = busy.map((i) => `${i.shown} is in use by a running ${i.inUse!.what} (process ${i.inUse!.pid})`);
  return `${list.join('; ')}: stop ${busy.length === 1 ? 'it' : 'them'} first (Stop on a peer, Ctrl-C on the metadata server), then run unclutter again`;
}

/** What a scan with nothing to remove says. */
export function nothingSentence(scan: ClutterScan): string {
  return (
    `nothing to remove in ${scan.dir}: no peer folders in peers/, no .meshshare/ state folder, ` +
    `and no demo folder left in ${scan.tmp}`
  );
}
