/**
 * A scratch layout for the unclutter tests: a current directory with what the project leaves (two peer folders, a
 * `.meshshare/`) and what it must not touch (a stray file, a plain folder, links to a folder outside), a folder
 * outside it holding a file, and a private temporary folder (TMPDIR) with a demo folder left behind.
 */
import { runToExit, type Exited } from '../../harness/run-to-exit.js';
import { lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const UNCLUTTER = fileURLToPath(new URL('../unclutter.js', import.meta.url));

export interface Scratch {
  /** The current directory unclutter runs in. */
  dir: string;
  /** A folder outside `dir` that links point to; it holds `keep.txt`. */
  outside: string;
  /** The temporary folder unclutter is given (TMPDIR), holding `meshshare-demo-left1/`. */
  tmp: string;
  leftDemo: string;
  remove(): void;
}

export function makeScratch(): Scratch {
  const base = mkdtempSync(join(tmpdir(), 'p2p-unclutter-'));
  const dir = join(base, 'cwd');
  const outside = join(base, 'outside');
  const tmp = join(base, 'tmp');
  for (const name of ['s1', 's2']) {
    mkdirSync(join(dir, 'peers', name, '.p2p'), { recursive: true });
    mkdirSync(join(dir, 'peers', name, 'shared'), { recursive: true });
    mkdirSync(join(dir, 'peers', name, 'Downloads'), { recursive: true });
    writeFileSync(join(dir, 'peers', name, '.p2p', 'identity.key'), 'not a real key\n');
  }
  writeFileSync(join(dir, 'peers', 's1', 'shared', 'report.txt'), 'a file a person shared\n');
  mkdirSync(join(dir, 'peers', 'other'), { recursive: true });
  writeFileSync(join(dir, 'peers', 'other', 'mine.txt'), 'not a peer\n');
  writeFileSync(join(dir, 'peers', 'notes.txt'), 'notes\n');
  mkdirSync(join(dir, '.meshshare'), { recursive: true });
  writeFileSync(join(dir, '.meshshare', 'mesh.key'), `${'ab'.repeat(32)}\n`);
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, 'keep.txt'), 'outside the scratch folder\n');
  symlinkSync(outside, join(dir, 'peers', 'link'));
  // A link inside a peer folder that goes: the link, never what it points to.
  symlinkSync(outside, join(dir, 'peers', 's1', 'shared', 'outside-link'));
  const leftDemo = join(tmp, 'meshshare-demo-left1');
  mkdirSync(join(leftDemo, 's1', 'shared'), { recursive: true });
  writeFileSync(join(leftDemo, 'mesh.key'), `${'cd'.repeat(32)}\n`);
  writeFileSync(join(leftDemo, 's1', 'shared', 'poem.txt'), 'a demo file\n');
  return { dir, outside, tmp, leftDemo, remove: () => rmSync(base, { recursive: true, force: true }) };
}

/** Runs `node dist/demo/unclutter.js ARGS` in `cwd` without a terminal; killed after `ms`. */
export function runUnclutter(args: string[], scratch: Scratch, ms = 10_000): Promise<Exited> {
  const env = { ...process.env, TMPDIR: scratch.tmp };
  return runToExit(UNCLUTTER, args, { cwd: scratch.dir, env, ms, what: 'unclutter' });
}

/** Which of these paths (relative to `root`) exist, links counted as themselves (not what they point to). */
export function existing(root: string, paths: readonly string[]): string[] {
  return paths.filter((p) => {
    try {
      lstatSync(join(root, p));
      return true;
    } catch {
      return false;
    }
  });
}
