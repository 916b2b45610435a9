/**
 * The name a locally edited mirror copy is kept under, beside it (docs/CONTRACT.md "Mirror, discovery and
 * bandwidth"): `NAME.conflict-YYYYMMDD-HHMMSS.EXT` (`report.pdf` → `report.conflict-20260102-030405.pdf`, `notes`
 * → `notes.conflict-20260102-030405`), in UTC; `-2`, `-3` … follow the time when that name is taken. Pure.
 */
export function conflictName(base: string, when: Date, attempt = 1): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp =
    `${when.getUTCFullYear()}${p(when.getUTCMonth() + 1)}${p(when.getUTCDate())}-` +
    `${p(when.getUTCHours())}${p(when.getUTCMinutes())}${p(when.getUTCSeconds())}`;
  const tag = `conflict-${stamp}${attempt > 1 ? `-${attempt}` : ''}`;
  const dot = base.lastIndexOf('.');
  // A leading dot is not an extension (`.profile`), and neither is a name without one.
  if (dot <= 0) return `${base}.${tag}`;
  return `${base.slice(0, dot)}.${tag}${base.slice(dot)}`;
}
