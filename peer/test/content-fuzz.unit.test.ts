import { test } from 'uvu';
import { contentProperties } from '../../harness/fuzz/content-properties.js';
import { checkProperty } from '../../harness/fuzz/fuzz-runner.js';
import { pickerProperties } from '../../harness/fuzz/picker-model.js';

// Property-based fuzzing of the manifest, the bitfield and the piece picker (docs/PLATFORM.md "Fuzzing").
for (const p of [...contentProperties, ...pickerProperties]) test(p.name, () => void checkProperty(p));

test.run();
