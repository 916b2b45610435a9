import { test } from 'uvu';
import { checkProperty } from '../../harness/fuzz/fuzz-runner.js';
import { textProperties } from '../../harness/fuzz/text-properties.js';

// Property-based fuzzing of peer names, HOST:PORT, byte sizes and key files (docs/PLATFORM.md "Fuzzing").
for (const p of textProperties) test(p.name, () => void checkProperty(p));

test.run();
