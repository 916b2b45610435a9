import { test } from 'uvu';
import { checkProperty } from '../../harness/fuzz/fuzz-runner.js';
import { frameProperties } from '../../harness/fuzz/frame-properties.js';
import { wireProperties } from '../../harness/fuzz/wire-properties.js';

// Property-based fuzzing of frames and every message schema (docs/PLATFORM.md "Fuzzing" says how to replay a failure).
for (const p of [...frameProperties, ...wireProperties]) test(p.name, () => void checkProperty(p));

test.run();
