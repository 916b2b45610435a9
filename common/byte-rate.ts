import { P2pError } from './errors.js';

/**
 * Transfer rates as people type them (docs/CONTRACT.md "Mirror, discovery and bandwidth"): a number, a unit, an
 * optional `/s`, any letter case, spaces allowed between the number and the unit. `KB`, `MB`, `GB` are 1000-based
 * bytes, as network gear counts; `KiB`, `MiB`, `GiB` 1024-based bytes; `kbit`, `Mbit`, `Gbit` (also `kbps`,
 * `Mbps`, `Gbps`) 1000-based bits; `B` bytes. A bare number is bytes per second.
 */
const UNITS: ReadonlyMap<string, number> = new Map([
  ['b', 1],
  ['kb', 1e3],
  ['mb', 1e6],
  ['gb', 1e9],
  ['kib', 1024],
  ['mib', 1024 ** 2],
  ['gib', 1024 ** 3],
  ['kbit', 1e3 / 8],
  ['mbit', 1e6 / 8],
  ['gbit', 1e9 / 8],
  ['kbps', 1e3 / 8],
  ['mbps', 1e6 / 8],
  ['gbps', 1e9 / 8],
]);

/** The slowest cap taken: below it one 1 MiB piece would take longer than a downloader waits for it (60 s). */
export const MIN_BYTE_RATE = 100_000;
/** The fastest cap taken (100 GB/s): beyond any LAN, and far from where a double loses whole bytes. */
export const MAX_BYTE_RATE = 100e9;

const RATE = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)(?:\/s(?:ec)?)?$/i;

/** `20MB/s` → 20 000 000 (bytes per second, whole). Throws a P2pError whose message is one sentence. */
export function parseByteRate(text: string): number {
  const example = 'for example 500KB/s, 20MB/s, 2MiB/s or 100Mbit/s';
  const m = RATE.exec(text.trim());
  const unit = m ? UNITS.get(m[2]!.toLowerCase() || 'b') : undefined;
  if (!m || unit === undefined)
    throw new P2pError(
      'P2P_ERR_BAD_ARGS',
      `"${text.slice(0, 40)}" is not a rate: give a number and a unit, ${example}`,
    );
  const rate = Math.round(Number(m[1]) * unit);
  if (rate < MIN_BYTE_RATE || rate > MAX_BYTE_RATE)
    throw new P2pError(
      'P2P_ERR_BAD_ARGS',
      `${text.trim()} is outside the rates a cap takes, ${formatByteRate(MIN_BYTE_RATE)} to ${formatByteRate(MAX_BYTE_RATE)}`,
    );
  return rate;
}

/**
 * A rate the way `parseByteRate` reads it back exactly when it can: 2 000 000 → `2 MB/s`, 12 500 000 →
 * `12.5 MB/s`, 2 097 152 → `2 MiB/s`; otherwise three significant digits in 1000-based units (1 234 567 →
 * `1.23 MB/s`).
 */
export function formatByteRate(bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond < 0) return '?';
  if (bytesPerSecond < 1e3) return `${Math.round(bytesPerSecond)} B/s`;
  const [unit, size] = bytesPerSecond >= 1e9 ? ['GB', 1e9] : bytesPerSecond >= 1e6 ? ['MB', 1e6] : ['KB', 1e3];
  const value = bytesPerSecond / size;
  if (Math.abs(value * 100 - Math.round(value * 100)) < 1e-6) return `${trim(value)} ${unit}/s`; // 12.5 MB/s
  for (const [binary, bytes] of [
    ['GiB', 1024 ** 3],
    ['MiB', 1024 ** 2],
    ['KiB', 1024],
  ] as const)
    if (bytesPerSecond >= bytes && Number.isInteger(bytesPerSecond / bytes))
      return `${bytesPerSecond / bytes} ${binary}/s`;
  return `${trim(Number(value.toPrecision(3)))} ${unit}/s`;
}

/** A measured rate in 1000-based units, three significant digits: 4 194 304 → `4.19 MB/s` (never `4 MiB/s`). */
export function formatDecimalRate(bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond < 0) return '?';
  if (bytesPerSecond < 1e3) return `${Math.round(bytesPerSecond)} B/s`;
  const [unit, size] = bytesPerSecond >= 1e9 ? ['GB', 1e9] : bytesPerSecond >= 1e6 ? ['MB', 1e6] : ['KB', 1e3];
  return `${trim(Number((bytesPerSecond / size).toPrecision(3)))} ${unit}/s`;
}

function trim(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}
