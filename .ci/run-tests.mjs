#!/usr/bin/env node
// Runs every compiled uvu suite (`*.test.js` under the given folder) in one process and ends with the line CI
// reads: `N passed, N failed[, N skipped]`. Exits non-zero when a test failed, when uvu itself failed, or when no
// test ran at all (uvu exits 0 when no file matched). A filter can follow: `node .ci/run-tests.mjs dist e2e`.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const dir = process.argv[2] ?? 'dist';
const filter = process.argv[3] ?? '';
const require = createRequire(import.meta.url);
// uvu's `exports` hide bin.js: resolve it from the package's main (TOOLCHAIN.md).
const uvuBin = join(dirname(require.resolve('uvu')), '..', 'bin.js');
const pattern = filter ? `(?:${filter}).*\\.test\\.js$` : '\\.test\\.js$';
const child = spawn(process.execPath, [uvuBin, dir, pattern, '--no-color', '-i', 'node_modules'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
child.stdout.on('data', (chunk) => {
  out += chunk;
  process.stdout.write(chunk);
});
child.on('close', (code) => {
  const num = (label) => Number((new RegExp(`${label}:\\s+(\\d+)`).exec(out) ?? [])[1] ?? 0);
  const total = num('Total');
  const passed = num('Passed');
  const skipped = num('Skipped');
  const failed = Math.max(total - passed - skipped, code === 0 ? 0 : 1);
  console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  if (total === 0) {
    console.error('no test ran');
    process.exit(1);
  }
  process.exit(code === 0 && failed === 0 ? 0 : 1);
});
