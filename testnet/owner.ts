import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { listNamespaces, removeNamespaces } from '../harness/lan-hosts.js';

/**
 * Who owns a testnet's namespaces: the tool's process id is in their names (`p2ptn-PID-s3`), so anything left by a
 * testnet whose process is gone (kill -9, a crash, a power cut of the terminal) is known as leftover and removed,
 * by the reaper the tool starts (testnet/reaper.ts) or by the next testnet's sweep at its start.
 */

export const TESTNET_PREFIX = 'p2ptn';

/** The tag of the testnet run by process `pid`: every namespace it makes starts with it and a dash. */
export function testnetTag(pid = process.pid): string {
  return `${TESTNET_PREFIX}-${pid}`;
}

/** The owner's process id in a testnet namespace's name, or undefined for any other name. */
export function ownerOf(namespace: string): number | undefined {
  const m = new RegExp(`^${TESTNET_PREFIX}-(\\d+)-`).exec(namespace);
  return m ? Number(m[1]) : undefined;
}

/**
 * Is process `pid` alive (a signal 0 reaches it, or it exists but is not ours to signal)? A zombie (killed, not yet
 * reaped by its parent) is not: it holds nothing any more.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // /proc/PID/stat: "PID (COMMAND) STATE ..."; the command may hold spaces and parentheses, the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** This testnet's namespaces that exist now. */
export function namespacesOf(tag: string, existing = listNamespaces()): string[] {
  return existing.filter((n) => n.startsWith(`${tag}-`));
}

/**
 * Removes every testnet namespace whose owner process is gone (and what still runs in it); returns their names.
 * Namespaces of live testnets and every other namespace are left alone.
 */
export function sweepLeftovers(alive = isAlive): string[] {
  const leftovers = listNamespaces().filter((n) => {
    const owner = ownerOf(n);
    return owner !== undefined && !alive(owner);
  });
  removeNamespaces(leftovers);
  return leftovers;
}

const REAPER_JS = fileURLToPath(new URL('./reaper.js', import.meta.url));

/**
 * Starts the reaper: a detached process (its own process group, so Ctrl-C in the terminal does not reach it) that
 * waits for `owner` to be gone, however it ended, then removes the namespaces named `${tag}-…` and the folder
 * `root`. Returns its process id.
 */
export function startReaper(owner: number, tag: string, root: string): number {
  const child = spawn(process.execPath, [REAPER_JS, String(owner), tag, root], { detached: true, stdio: 'ignore' });
  child.unref();
  return child.pid!;
}
