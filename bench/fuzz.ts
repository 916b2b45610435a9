/**
 * bench/fuzz: the long run of the property-based fuzz tests (harness/fuzz/, the same properties the unit tier runs
 * a few thousand times each), with a new random seed unless one is given, many more cases per property and a time
 * limit per property. Prints a table (property, cases, ms, result) and, for each failure, the counterexample and the
 * line that replays it (docs/PLATFORM.md "Fuzzing"). Exits 1 when a property failed.
 *
 *   npm run bench:fuzz -- --runs 1000000 --minutes 2 [--seed N] [--filter REGEX]
 *
 * The registry's binary index is fuzzed only by its unit test (metadata-server/test/index-region-fuzz.unit.test.ts):
 * benches may not import the metadata server.
 */
import { parseArgs } from 'node:util';
import { contentProperties } from '../harness/fuzz/content-properties.js';
import { frameProperties } from '../harness/fuzz/frame-properties.js';
import { runProperty, type FuzzOutcome } from '../harness/fuzz/fuzz-runner.js';
import { nameProperties } from '../harness/fuzz/name-properties.js';
import { pickerProperties } from '../harness/fuzz/picker-model.js';
import { textProperties } from '../harness/fuzz/text-properties.js';
import { wireProperties } from '../harness/fuzz/wire-properties.js';
import { table } from './bench-util.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '100000' },
    minutes: { type: 'string', default: '1' },
    seed: { type: 'string' },
    filter: { type: 'string', default: '' },
  },
});
const runs = Number(values.runs);
const timeLimitMs = Number(values.minutes) * 60_000;
const seed = values.seed !== undefined ? Number(values.seed) : (Math.random() * 0x7fffffff) | 0;
const filter = new RegExp(values.filter ?? '', 'i');
const all = [
  ...frameProperties,
  ...wireProperties,
  ...contentProperties,
  ...pickerProperties,
  ...nameProperties,
  ...textProperties,
];
const chosen = all.filter((p) => filter.test(p.name));

console.log(`fuzz: ${chosen.length} properties, up to ${runs} cases or ${values.minutes} min each, seed ${seed}`);
const outcomes: FuzzOutcome[] = [];
for (const p of chosen) {
  const o = runProperty(p, { runs, seed, timeLimitMs });
  outcomes.push(o);
  console.log(`  ${o.ok ? 'ok  ' : 'FAIL'} ${o.cases} cases in ${(o.ms / 1000).toFixed(1)} s: ${p.name}`);
}
console.log(
  '\n' +
    table(
      ['property', 'cases', 'ms', 'result'],
      outcomes.map((o) => [
        o.name,
        o.cases,
        Math.round(o.ms),
        o.ok ? (o.cases < runs ? 'ok (time limit)' : 'ok') : 'FAILED',
      ]),
    ),
);
const total = outcomes.reduce((n, o) => n + o.cases, 0);
const ms = outcomes.reduce((n, o) => n + o.ms, 0);
console.log(`\n${total} cases in ${(ms / 1000).toFixed(1)} s, seed ${seed}`);
for (const o of outcomes.filter((x) => !x.ok)) console.log(`\n${o.report}`);
process.exit(outcomes.every((o) => o.ok) ? 0 : 1);
