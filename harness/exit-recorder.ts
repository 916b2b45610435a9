/**
 * `node exit-recorder.js STATUS_FILE COMMAND [ARGS...]`: runs COMMAND on the same terminal and, when it ends,
 * writes how (`{"code":0,"signal":null}`) to STATUS_FILE. Terminal tests use it where the terminal itself goes away
 * (tmux's own exit status goes with it). A hangup does not stop the recorder before the command has ended.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { releaseVanishedTerminal } from '../common/vanished-terminal.js';

const [statusFile, command, ...args] = process.argv.slice(2);
if (!statusFile || !command) {
  process.stderr.write('usage: exit-recorder STATUS_FILE COMMAND [ARGS...]\n');
  process.exit(2);
}
process.on('SIGHUP', () => undefined);
const child = spawn(command, args, { stdio: 'inherit' });
child.on('exit', (code, signal) => {
  writeFileSync(statusFile, JSON.stringify({ code, signal }));
  releaseVanishedTerminal();
  process.exit(0);
});
