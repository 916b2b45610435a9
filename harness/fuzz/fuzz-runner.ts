/**
 * Runs the property-based fuzz tests (fast-check) with a fixed seed by default, so the unit tier is repeatable, and
 * says on failure how to replay the exact case (docs/PLATFORM.md "Fuzzing"):
 *
 *   FUZZ_SEED=<seed> FUZZ_PATH=<path> node dist/<the test file>.js
 *
 * FUZZ_SEED=random picks a new seed each run (printed with any failure). The same property lists run in the unit
 * tests with a few thousand cases each and in bench/fuzz.ts with as many as asked for.
 */
import fc from 'fast-check';

/** One property: a name for tables and tests, its case count in the unit tier, and how to build it. */
export interface FuzzProperty {
  name: string;
  runs: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each property has its own tuple of inputs
  property: () => fc.IProperty<any>;
}

/** The seed used when FUZZ_SEED is not set: fixed, so CI runs the same cases every time. */
export const DEFAULT_FUZZ_SEED = 0x5eed;

export function fuzzSeed(): number {
  const text = process.env['FUZZ_SEED'];
  if (text === undefined || text === '') return DEFAULT_FUZZ_SEED;
  if (text === 'random') return (Math.random() * 0x7fffffff) | 0;
  const seed = Number(text);
  if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be an integer or "random", not "${text}"`);
  return seed;
}

export interface FuzzOutcome {
  name: string;
  cases: number;
  ms: number;
  ok: boolean;
  seed: number;
  /** On failure: the counterexample, the seed and path, and the command line that replays it. */
  report?: string;
}

/** How long a run: cases, seed, and (for the long run) a time limit after which it stops early without failing. */
export interface RunOptions {
  runs?: number;
  seed?: number;
  timeLimitMs?: number;
}

/** Runs one property (FUZZ_PATH, when set, replays one shrunk case instead). Never throws. */
export function runProperty(p: FuzzProperty, options: RunOptions = {}): FuzzOutcome {
  const seed = options.seed ?? fuzzSeed();
  const path = process.env['FUZZ_PATH'] || undefined;
  const started = performance.now();
  const details = fc.check(p.property(), {
    numRuns: options.runs ?? p.runs,
    seed,
    path,
    ...(options.timeLimitMs ? { interruptAfterTimeLimit: options.timeLimitMs, markInterruptAsFailure: false } : {}),
  });
  const ms = performance.now() - started;
  const cases = details.numRuns;
  if (!details.failed) return { name: p.name, cases, ms, ok: true, seed };
  const replay =
    `replay: FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath ?? ''} ` +
    `node ${process.argv[1] ?? 'dist/<test file>.js'}`;
  const message = fc.defaultReportMessage(details) ?? 'failed';
  return { name: p.name, cases, ms, ok: false, seed, report: `${p.name}\n${message}\n${replay}` };
}

/** For a uvu test: runs the property and throws its report (counterexample, seed, path, replay line) on failure. */
export function checkProperty(p: FuzzProperty): FuzzOutcome {
  const outcome = runProperty(p);
  if (!outcome.ok) throw new Error(outcome.report);
  return outcome;
}

/** Calls `fn`; returns what it threw (undefined when it returned). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err;
  }
}
