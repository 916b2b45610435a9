#!/usr/bin/env node
// Runs the compiled uvu suites tier by tier and ends with the line CI reads: `N passed, N failed[, N skipped]`.
//
//   node .ci/run-tests.mjs DIST [TIER ...] [--filter REGEX]
//
// Tiers, by file name (docs/ARCHITECTURE.md "Tests in tiers"):
//   unit  `*.unit.test.js`: pure, no sockets, processes or threads (enforced by unit-guard.mjs); under 20 s
//   io    `*.io.test.js`:   in-process sockets (loopback, duplex pairs) and worker threads
//   e2e   `*.e2e.test.js`:  real processes (metadata server, peers, dashboards in tmux, network namespaces)
// No tier named: all three, in that order. A test file that belongs to no tier fails the run (it would never run).
// Exits non-zero when a test failed, when uvu itself failed, or when no test ran at all (uvu exits 0 when no file
// matched).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const TIERS = ['unit', 'io', 'e2e'];
/**
 * e2e files run at once (E2E_JOBS, default 1: the tier in one uvu process, as the other tiers are). Two at a time
 * take about half the time, but a few timing-bound suites (a mirror filling a small disk) then fail now and then.
 */
const JOBS = Math.max(1, Number(process.env.E2E_JOBS ?? 1) || 1);
const args = process.argv.slice(2);
const filterAt = args.indexOf('--filter');
const filter = filterAt >= 0 ? (args.splice(filterAt, 2)[1] ?? '') : '';
const dir = args.shift() ?? 'dist';
const tiers = args.length > 0 ? args : TIERS;
for (const t of tiers) if (!TIERS.includes(t)) fail(`unknown tier ${t}; tiers: ${TIERS.join(', ')}`);

const require = createRequire(import.meta.url);
// uvu's `exports` hide bin.js: resolve it from the package's main (docs/PLATFORM.md).
const uvuBin = join(dirname(require.resolve('uvu')), '..', 'bin.js');
const guard = fileURLToPath(new URL('./unit-guard.mjs', import.meta.url));

const untiered = listTests(dir).filter((f) => !TIERS.some((t) => f.endsWith(`.${t}.test.js`)));
if (untiered.length > 0)
  fail(`test files outside every tier (name them *.unit|io|e2e.test.ts): ${untiered.join(', ')}`);

let passed = 0;
let failed = 0;
let skipped = 0;
let total = 0;
for (const tier of tiers) {
  const started = Date.now();
  const r = await runTier(tier);
  passed += r.passed;
  failed += r.failed;
  skipped += r.skipped;
  total += r.total;
  console.log(
    `tier ${tier}: ${r.passed} passed, ${r.failed} failed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
}
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
if (total === 0) fail('no test ran');
process.exit(failed === 0 ? 0 : 1);

function runTier(tier) {
  if (tier === 'e2e' && JOBS > 1) return runFiles(tier);
  const pattern = filter ? `(?:${filter}).*\\.${tier}\\.test\\.js$` : `\\.${tier}\\.test\\.js$`;
  return runUvu(pattern, tier === 'unit' ? ['--import', guard] : [], false);
}

/** One uvu process over the files `pattern` matches; its output streams through, or is printed whole at its end. */
function runUvu(pattern, node, buffered) {
  const child = spawn(process.execPath, [...node, uvuBin, dir, pattern, '--no-color', '-i', 'node_modules'], {
    stdio: ['ignore', 'pipe', buffered ? 'pipe' : 'inherit'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
    if (!buffered) process.stdout.write(chunk);
  });
  child.stderr?.on('data', (chunk) => (err += chunk));
  return new Promise((resolve) => {
    child.on('close', (code) => {
      if (buffered) {
        process.stdout.write(out);
        process.stderr.write(err);
      }
      const num = (label) => Number((new RegExp(`${label}:\\s+(\\d+)`).exec(out) ?? [])[1] ?? 0);
      const t = num('Total');
      const p = num('Passed');
      const s = num('Skipped');
      resolve({ total: t, passed: p, skipped: s, failed: Math.max(t - p - s, code === 0 ? 0 : 1) });
    });
  });
}

/**
 * The e2e tier, JOBS files at a time: its tests mostly wait (on processes, sockets, timers, a terminal), so two run
 * side by side on two cores in about half the time. Each file runs in its own uvu process; its output is printed
 * whole when it ends, so files never interleave.
 */
async function runFiles(tier) {
  const only = filter ? new RegExp(filter) : undefined;
  const queue = listTests(dir)
    .filter((f) => f.endsWith(`.${tier}.test.js`) && (!only || only.test(f)))
    .sort();
  const sum = { total: 0, passed: 0, skipped: 0, failed: 0 };
  const worker = async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const exact = `^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`;
      const r = await runUvu(exact, [], true);
      sum.total += r.total;
      sum.passed += r.passed;
      sum.skipped += r.skipped;
      sum.failed += r.failed;
    }
  };
  await Promise.all(Array.from({ length: JOBS }, worker));
  return sum;
}

function listTests(root) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === 'node_modules') continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.test.js')) out.push(relative(root, p));
    }
  };
  walk(root);
  return out;
}

function fail(message) {
  console.error(`run-tests: ${message}`);
  process.exit(1);
}
