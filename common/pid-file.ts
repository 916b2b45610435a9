/**
 * A file naming the process that uses a folder: the metadata server writes one in its state folder, a demo in its
 * temporary folder, so that `npm run unclutter` (demo/unclutter.ts) can tell a folder in use from one left behind.
 * It is a marker, not a lock: nothing refuses to start because of it. A marker whose process is gone (killed, power
 * lost) counts as absent.
 *
 * May import: Node's standard library only.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/** The metadata server's marker, in its state folder. */
export const SERVER_PID_FILE = 'server.pid';

/** Writes this process's id to `path` and removes the file when the process exits. Returns the removal. */
export function writePidFile(path: string): () => void {
  writeFileSync(path, `${process.pid}\n`);
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    try {
      // Only our own: another process may have written its id there since.
      if (readPid(path) === process.pid) rmSync(path, { force: true });
    } catch {
      /* already gone */
    }
  };
  process.once('exit', remove);
  return remove;
}

/** The process id written in `path` when that process is alive, else null (no file, garbage, or a gone process). */
export function livePid(path: string): number | null {
  let pid: number | null;
  try {
    pid = readPid(path);
  } catch {
    return null;
  }
  return pid !== null && processAlive(pid) ? pid : null;
}

/** Whether a process with this id exists (one of another user counts: it exists). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(path: string): number | null {
  const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}
