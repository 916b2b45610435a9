/**
 * The `testnet` command (testnet/main.ts) as a user runs it: its refusals (one sentence, exit 2, nothing made), a
 * clean exit on SIGTERM, and after kill -9 its reaper removing every namespace and process it made within seconds.
 * Also the sweep of a dead testnet's leftovers, and a namespace name that exists already. Skipped, with a note,
 * where namespaces cannot be made (not root, no iproute2).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LanHosts, listNamespaces, netemAvailable, removeNamespaces } from '../../harness/lan-hosts.js';
import { runToExit } from '../../harness/run-to-exit.js';
import { isAlive, namespacesOf, ownerOf, sweepLeftovers, testnetTag } from '../owner.js';
import { namesRefusal } from '../preflight.js';
import { sleep, testnet } from './testnet-waits.js';

const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
const available = LanHosts.available();
const skip = (what: string) => console.log(`  (network namespaces unavailable here: ${what} not run)`);

const run = (args: string[]) => runToExit(MAIN, args, { ms: 20_000, what: 'testnet' });

/** Starts the tool; resolves once it printed its ready line, with what it printed and the folder it made. */
async function startTool(args: string[]): Promise<{ child: ChildProcess; out: string[]; root: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: string[] = [];
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`testnet not ready within 30 s: ${out.join('\n')} ${err}`)),
      30_000,
    );
    child.once('exit', (code) => reject(new Error(`testnet exited ${code}: ${err}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      out.push(line);
      if (/^testnet ready: /.test(line)) (clearTimeout(timer), resolve());
    });
  });
  const root = /mesh key: (.+)\/mesh\.key\)/.exec(out.join('\n'))?.[1] ?? '';
  return { child, out, root };
}

/** Polls `done` every 50 ms for up to `ms`; returns how long it took, or -1. */
async function within(ms: number, done: () => boolean): Promise<number> {
  const started = Date.now();
  while (!done()) {
    if (Date.now() - started > ms) return -1;
    await sleep(50);
  }
  return Date.now() - started;
}

test('bad arguments, a used subnet and --delay without netem are refused with one sentence and exit 2', async () => {
  if (!available) return skip('testnet refusals');
  // Other suites may run testnets meanwhile (their owners are alive): what a refused start left would belong to a
  // process that has ended.
  const orphans = () =>
    listNamespaces().filter((n) => {
      const probe = /^p2pnetem(\d+)$/.exec(n); // netemAvailable's scratch namespace
      const owner = ownerOf(n) ?? (probe ? Number(probe[1]) : undefined);
      return owner !== undefined && !isAlive(owner);
    });
  const before = new Set(orphans());
  for (const [args, sentence] of [
    [['--peers', '0'], /^testnet: --peers "0" must be a whole number 1-100\n$/],
    [['--peers', '101'], /^testnet: --peers "101" must be a whole number 1-100\n$/],
    [['--bogus'], /^testnet: .*bogus.*; see --help\n$/],
    [
      ['--subnet', '127.0.0'],
      /^testnet: subnet 127\.0\.0\.0\/24 overlaps this machine's address 127\.0\.0\.1\/8: choose another with --subnet\n$/,
    ],
  ] as const) {
    const r = await run([...args]);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, sentence);
  }
  const netem = netemAvailable();
  for (const flag of [
    ['--delay', '20'],
    ['--loss', '1'],
  ]) {
    const r = await run(['--peers', '1', ...flag]);
    if (netem) assert.is.not(r.code, 2, r.stderr);
    else {
      assert.is(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `^testnet: ${flag[0]} needs? the tc netem qdisc, which this kernel lacks \\(sch_netem\\): run without ${flag[0]}\\n$`,
        ),
      );
    }
  }
  assert.equal(
    orphans().filter((n) => !before.has(n)),
    [],
    'a refused start made nothing',
  );
});

test('someone not root is told to run it as root (exit 2)', async () => {
  if (!available) return skip('testnet root refusal');
  // setpriv drops to nobody for this one run (util-linux).
  const child = spawn('setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', process.execPath, MAIN], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const code = await new Promise((r) => child.once('exit', r));
  assert.is(code, 2, err);
  assert.match(
    err,
    /^testnet: testnet needs root to make network namespaces: run it as root \(e\.g\. sudo npm run testnet\)\n$/,
  );
});

test('kill -9 of the tool: its reaper removes its namespaces, processes and folder within seconds', async () => {
  if (!available) return skip('testnet crash cleanup');
  const { child, root } = await startTool(['--peers', '3']);
  const tag = testnetTag(child.pid!);
  const made = namespacesOf(tag);
  assert.equal(made.sort(), [`${tag}-s1`, `${tag}-s2`, `${tag}-s3`, `${tag}-srv`, `${tag}-sw`]);
  const pids = made
    .flatMap((ns) => execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split(/\s+/))
    .filter(Boolean)
    .map(Number);
  assert.is(pids.length, 4, 'the metadata server and three peers run on the hosts');
  assert.ok(existsSync(root), root);
  child.kill('SIGKILL');
  const took = await within(5000, () => namespacesOf(tag).length === 0 && !pids.some(isAlive) && !existsSync(root));
  assert.ok(took >= 0, `left after 5 s: ${namespacesOf(tag)} ${pids.filter(isAlive)} ${existsSync(root)}`);
  console.log(`  removed ${took} ms after kill -9`);
});

test('SIGTERM: the tool stops its peers, removes everything and exits 0', async () => {
  if (!available) return skip('testnet teardown');
  const { child, root } = await startTool(['--peers', '2']);
  const tag = testnetTag(child.pid!);
  const started = Date.now();
  child.kill('SIGTERM');
  const code = await new Promise((r) => child.once('exit', r));
  assert.is(code, 0);
  assert.equal(namespacesOf(tag), []);
  assert.not.ok(existsSync(root));
  console.log(`  torn down ${Date.now() - started} ms after SIGTERM`);
});

test("the sweep removes a dead testnet's namespaces, never a live one's, nor a name in use", async () => {
  if (!available) return skip('testnet sweep');
  const dead = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => dead.once('exit', r));
  const left = `${testnetTag(dead.pid!)}-s1`;
  const live = `${testnetTag()}-keep-s1`;
  execFileSync('ip', ['netns', 'add', left]);
  execFileSync('ip', ['netns', 'add', live]);
  try {
    assert.ok(sweepLeftovers().includes(left));
    assert.not.ok(listNamespaces().includes(left));
    assert.ok(listNamespaces().includes(live));
    // A testnet whose names exist already refuses, and leaves that namespace alone.
    const net = testnet(2);
    const theirs = `${net.config.tag}-s2`;
    execFileSync('ip', ['netns', 'add', theirs]);
    try {
      assert.match(
        namesRefusal(net.namespaces()) ?? '',
        /^network namespace .*-s2 already exists and is not this testnet's: not touching it$/,
      );
      assert.throws(() => net.lan.up(3, ['srv', 's1', 's2']), /already exists: not touching it/);
      assert.ok(listNamespaces().includes(theirs));
      assert.equal(namespacesOf(net.config.tag), [theirs], 'nothing else was made');
    } finally {
      removeNamespaces([theirs]);
    }
  } finally {
    removeNamespaces([left, live]);
  }
});

test.run();
