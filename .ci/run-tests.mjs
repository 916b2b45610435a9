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
  const pattern = filter ? `(?:${filter}).*\\.${tier}\\.test\\.js$` : `\\.${tier}\\.test\\.js$`;
  const node = tier === 'unit' ? ['--import', guard] : [];
  const child = spawn(process.execPath, [...node, uvuBin, dir, pattern, '--no-color', '-i', 'node_modules'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
    process.stdout.write(chunk);
  });
  return new Promise((resolve) => {
    child.on('close', (code) => {
      const num = (label) => Number((new RegExp(`${label}:\\s+(\\d+)`).exec(out) ?? [])[1] ?? 0);
      const t = num('Total');
      const p = num('Passed');
      const s = num('Skipped');
      resolve({ total: t, passed: p, skipped: s, failed: Math.max(t - p - s, code === 0 ? 0 : 1) });
    });
  });
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
