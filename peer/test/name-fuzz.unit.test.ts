import { test } from 'uvu';
import { checkProperty } from '../../harness/fuzz/fuzz-runner.js';
import { nameProperties } from '../../harness/fuzz/name-properties.js';

// Property-based fuzzing of file names and command lines (docs/PLATFORM.md "Fuzzing").
for (const p of nameProperties) test(p.name, () => void checkProperty(p));

test.run();
