import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { P2pError } from '../../common/errors.js';

/** The lock file in a peer's hidden state folder. */
export const LOCK_FILE = 'peer.lock';

export interface FolderLock {
  /** Removes the lock (idempotent); the process's exit does it too. */
  release(): void;
}

/**
 * One folder, one running peer (docs/CONTRACT.md "Folders"): a second process on the same folder would share its
 * identity and knock the first off the metadata server. The lock is a file created exclusively, holding the pid; a
 * lock whose process is gone (killed, power lost) is taken over. Throws P2P_ERR_BAD_ARGS naming the holder.
 */
export function lockFolder(stateDir: string, folder: string): FolderLock {
  const path = join(stateDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        rmSync(path, { force: true });
      };
      process.once('exit', release);
      return { release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
      throw new P2pError(
        'P2P_ERR_BAD_ARGS',
        `the folder ${folder} is in use by another running peer (process ${holder}): stop it first, or give this one another --dir`,
      );
    }
    rmSync(path, { force: true }); // its process is gone: a stale lock
  }
  throw new P2pError('P2P_ERR_BAD_ARGS', `cannot take the lock ${path}: another peer is starting on ${folder}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // it exists but belongs to someone else
  }
}
