/**
 * The owner's manifest at 100,000 files (peer/mirror/owner-manifest.ts): what one change costs the event loop when
 * each change is saved at once (apply + save, as before) and when saves are debounced (apply, then one `saveSoon`
 * save for a burst of changes). Prints one JSON line; `npm run bench:manifest-save`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OwnerManifest, type CurrentFile } from '../peer/mirror/owner-manifest.js';

const FILES = 100_000;
const CHANGES = 10;
const dir = mkdtempSync(join(tmpdir(), 'bench-manifest-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
try {
  const files: CurrentFile[] = [];
  for (let i = 0; i < FILES; i++)
    files.push({
      path: `folder-${i % 100}/file-${i}.bin`,
      size: 1024,
      sha256: 'a'.repeat(64),
      mtimeMs: 1.7e12 + i,
      ino: i,
    });
  const m = new OwnerManifest(join(dir, 'mirror-manifest.json'));
  m.apply(files);
  m.save();
  const change = (k: number) => (files[k % 100]!.sha256 = 'b'.repeat(58) + String(k).padStart(6, '0'));
  const [apply, save] = [[] as number[], [] as number[]];
  for (let k = 0; k < CHANGES; k++) {
    change(k);
    let t = performance.now();
    m.apply(files);
    apply.push(performance.now() - t);
    t = performance.now();
    m.save(); // as before: every change saved at once
    save.push(performance.now() - t);
  }
  // Now: a burst of CHANGES changes, each applied and `saveSoon`, saved once (flush stands for the timer firing).
  const t = performance.now();
  for (let k = CHANGES; k < 2 * CHANGES; k++) {
    change(k);
    m.apply(files);
    m.saveSoon();
  }
  m.flush();
  const debounced = (performance.now() - t) / CHANGES;
  const [a, s] = [median(apply), median(save)];
  console.log(
    JSON.stringify({
      files: FILES,
      applyMs: Math.round(a),
      saveMs: Math.round(s),
      everyChangeSavedMs: Math.round(a + s),
      debouncedPerChangeMs: Math.round(debounced),
      burst: CHANGES,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
