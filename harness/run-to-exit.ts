import { spawn } from 'node:child_process';

export interface Exited {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node SCRIPT ARGS` to completion without a terminal (stdin closed) and resolves with its exit code and
 * output; rejects, killing it, after `ms`. What the CLI tests of every program share.
 */
export function runToExit(
  script: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; ms: number; what: string },
): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      ...(options.env === undefined ? {} : { env: options.env }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.what} ${args.join(' ')} did not exit within ${options.ms} ms`));
    }, options.ms);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
