#!/usr/bin/env node
/**
 * `npm run unclutter`: removes what this project left in the current directory (the peers' folders under `peers/`,
 * the metadata server's `.meshshare/`) and the demo folders left in the OS's temporary folder, after listing them and
 * asking once. Only what demo/clutter-scan.ts recognises goes; links are never followed; a folder a peer or server
 * still runs on stops it all. Exit codes as the programs': 0 done (or nothing to do, or the answer was no),
 * 2 refused or bad arguments, 1 an unexpected failure (README.md "Clean up").
 */
import { rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { formatTally, inUseSentence, listingLines, nothingSentence, warningLines } from './clutter-report.js';
import { inUseNow, PEERS_DIR, recheck, scanClutter, type ClutterItem } from './clutter-scan.js';

const HELP = `usage: npm run unclutter [-- --yes] [--dry-run]

Removes, after one confirmation, what meshshare left here: the peers' folders in peers/ (each with its shared/,
Downloads/ and hidden .p2p/), the metadata server's state folder .meshshare/ (mesh key, server key, remembered
names), and demo folders (npm start -- --keep, or a failed demo) left in ${tmpdir()}. Nothing else: links are
not followed, and anything not recognised is left and mentioned. Refuses while a peer or server runs on a folder.
  -y, --yes       remove without asking (for scripts)
  -n, --dry-run   only list what would be removed
  -h, --help      show this help`;

/** A refusal or bad arguments: one sentence, exit 2. */
class Refusal extends Error {}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/**
 * The folder to clean: the current directory. `npm run` moves to the package's folder before running a script, and
 * names the folder it was started from in INIT_CWD: that one is meant. Only for our own script, though: a process
 * started by another npm script (the tests under `npm test`) inherits INIT_CWD from it.
 */
function folderToClean(): string {
  const env = process.env;
  return env['npm_lifecycle_event'] === 'unclutter' && env['INIT_CWD'] ? env['INIT_CWD'] : process.cwd();
}

function parse(argv: string[]): { yes: boolean; dryRun: boolean; help: boolean } {
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        yes: { type: 'boolean', short: 'y', default: false },
        'dry-run': { type: 'boolean', short: 'n', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    return { yes: values.yes, dryRun: values['dry-run'], help: values.help };
  } catch (err) {
    const quoted = /'([^']+)'/.exec(err instanceof Error ? err.message : '')?.[1] ?? String(argv[0]);
    throw new Refusal(`unknown argument ${quoted}: unclutter takes --yes, --dry-run or --help`);
  }
}

/** One question on the terminal; true only for y or yes. Ctrl-C or end of input is a no. */
function confirm(question: string): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    let answered = false;
    const finish = (yes: boolean) => {
      if (answered) return;
      answered = true;
      rl.close();
      resolve(yes);
    };
    rl.on('SIGINT', () => {
      process.stdout.write('\n');
      finish(false);
    });
    rl.on('close', () => finish(false));
    rl.question(question, (answer) => finish(/^\s*y(es)?\s*$/i.test(answer)));
  });
}

/** Removes each folder after checking it again; returns what could not be removed and why. */
function remove(items: readonly ClutterItem[]): string[] {
  const problems: string[] = [];
  for (const item of items) {
    const why = recheck(item);
    if (why) {
      problems.push(`${item.shown} was not removed: ${why}`);
      continue;
    }
    // rm removes a link inside the folder as a link: it never follows one (Node's fs.rm works on lstat).
    rmSync(item.path, { recursive: true, force: true, maxRetries: 2 });
  }
  return problems;
}

/** `peers/` goes too once no peer folder is left in it; anything else in it keeps it. */
function removePeersFolderIfEmpty(dir: string): boolean {
  try {
    rmdirSync(join(dir, PEERS_DIR));
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<number> {
  const args = parse(process.argv.slice(2));
  if (args.help) {
    say(HELP);
    return 0;
  }
  const dir = folderToClean();
  const scan = scanClutter(dir, tmpdir());
  if (scan.items.length === 0) {
    if (scan.skipped.length > 0) listingLines(scan).forEach(say);
    say(nothingSentence(scan));
    return 0;
  }
  listingLines(scan).forEach(say);
  warningLines(scan).forEach(say);
  const busy = inUseSentence(scan.items);
  if (args.dryRun) {
    if (busy) say(`unclutter would refuse now: ${busy}`);
    say('dry run: nothing was removed');
    return 0;
  }
  if (busy) throw new Refusal(busy);
  if (!args.yes) {
    if (!process.stdin.isTTY) {
      throw new Refusal(
        'there is no terminal to ask on: run it in a terminal, or pass --yes to remove without asking (npm run unclutter -- --yes)',
      );
    }
    if (!(await confirm('Remove these? [y/N] '))) {
      say('nothing was removed');
      return 0;
    }
  }
  // A peer or server started while the question waited: remove nothing rather than half.
  const nowBusy = inUseSentence(scan.items.map((item) => ({ ...item, inUse: inUseNow(item) })));
  if (nowBusy) throw new Refusal(nowBusy);
  const problems = remove(scan.items);
  const removed = scan.items.length - problems.length;
  const gone = scan.items.reduce((t, i) => ({ files: t.files + i.total.files, bytes: t.bytes + i.total.bytes }), {
    files: 0,
    bytes: 0,
  });
  const peersGone = scan.items.some((i) => i.kind === 'peer') && removePeersFolderIfEmpty(dir);
  for (const p of problems) process.stderr.write(`unclutter: ${p}\n`);
  say(
    `removed ${removed} ${removed === 1 ? 'folder' : 'folders'}${peersGone ? ` and the empty ${PEERS_DIR}/` : ''}` +
      (problems.length === 0 ? ` (${formatTally(gone)})` : ''),
  );
  return problems.length === 0 ? 0 : 2;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof Refusal) {
      process.stderr.write(`unclutter: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`unclutter: unexpected failure: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
