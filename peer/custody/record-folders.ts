import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reads the records kept one per subfolder of `root` (custody-store.ts: `<owner id>/owner.json`; peer/backup/
 * backup-store.ts: `<sha256>/content.json`), keyed by folder name: only folders whose name matches `name`, and only
 * records `valid` accepts for that folder (one being written, or damaged, is skipped). Read once, at start: the
 * stores keep them in memory after that.
 */
export function readRecordFolders<T>(
  root: string,
  name: RegExp,
  file: string,
  valid: (record: T, folder: string) => boolean,
): Map<string, T> {
  const out = new Map<string, T>();
  let folders: string[];
  try {
    folders = readdirSync(root).filter((d) => name.test(d));
  } catch {
    return out;
  }
  for (const folder of folders) {
    try {
      const record = JSON.parse(readFileSync(join(root, folder, file), 'utf8')) as T;
      if (valid(record, folder)) out.set(folder, record);
    } catch {
      // not whole yet (the record is written last), or damaged: as if absent
    }
  }
  return out;
}
