/**
 * The one way a size is shown to a person, by the peer's messages and by the dashboard alike: `1536` → `1.5 KB`.
 * Binary multiples (1 KB = 1024 B), the way file managers on a LAN usually show them; one decimal below 10 keeps a
 * column narrow but still shows movement on small files. Event fields that carry numbers stay exact numbers: only
 * sentences use this.
 */
const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

export function formatByteSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}

/** `75497472, 209715200` → `72 MB of 200 MB`: a part of a whole, for "kept" and "held" sentences. */
export function formatByteShare(part: number, whole: number): string {
  return `${formatByteSize(part)} of ${formatByteSize(whole)}`;
}
