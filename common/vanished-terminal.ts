import { closeSync, openSync } from 'node:fs';
import { isatty } from 'node:tty';

/** Which of stdin, stdout and stderr were a terminal when the process started (after a hangup, isatty can say no). */
const ON_TERMINAL = [0, 1, 2].map((fd) => isatty(fd));

/** Did the terminal this process started on go away (it hung up)? A live terminal after `kill -HUP` says no. */
function terminalVanished(): boolean {
  return [0, 1, 2].some((fd) => ON_TERMINAL[fd] && !isatty(fd));
}

/**
 * Lets a process exit cleanly after its terminal went away (SIGHUP). At exit, Node 20 restores the terminal modes
 * of stdin, stdout and stderr and aborts when that fails, as it does on a terminal that hung up (EIO): the process
 * then dies of SIGSEGV while printing the abort's backtrace, after a graceful leave. Node skips descriptors that
 * no longer point at the file they pointed at on start-up, so those of stdio that were a terminal are pointed
 * at /dev/null first: there is nothing left to restore or to write to anyway. Pipes and files are left alone.
 * Does nothing, and says so (false), while the terminal is still there.
 */
export function releaseVanishedTerminal(): boolean {
  if (!terminalVanished()) return false;
  for (const fd of [0, 1, 2]) {
    if (!ON_TERMINAL[fd]) continue;
    try {
      closeSync(fd);
    } catch {
      // Already closed: nothing to restore for it either.
    }
    // The lowest free descriptor is the one just closed (the ones below it are open), so /dev/null takes its place;
    // if another one came back (a lower one was closed too), it is not kept.
    const got = openSync('/dev/null', fd === 0 ? 'r' : 'w');
    if (got !== fd) closeSync(got);
  }
  return true;
}
