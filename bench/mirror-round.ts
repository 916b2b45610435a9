/**
 * A mirror applying one owner's full tree of 199,000 files (peer/mirror/tree-budget.ts `applyFullRound`): the total
 * time, and the longest the event loop waited meanwhile (the round is applied in slices); then what the status's
 * figures cost (mirror-book.ts counters). Prints one JSON line; `npm run bench:mirror-round`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { MirrorEntry } from '../common/wire/mirror-messages.js';
import { MirrorBook } from '../peer/mirror/mirror-book.js';
import { applyFullRound, FullRound } from '../peer/mirror/tree-budget.js';

const FILES = 199_000;
const dir = mkdtempSync(join(tmpdir(), 'bench-round-'));
try {
  const book = new MirrorBook('own', join(dir, 'own.jsonl'));
  const round = new FullRound();
  const files: MirrorEntry[] = [];
  for (let i = 0; i < FILES; i++)
    files.push({ path: `folder-${i % 100}/file-${i}.bin`, size: 1024, sha256: 'a'.repeat(64), mtime: 1, seq: 1 });
  for (let i = 0; i < files.length; i += 1000) round.add(files.slice(i, i + 1000), {});
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const t = performance.now();
  const steps = { publish: (f: MirrorEntry) => book.publish(f), unpublish: (p: string) => book.unpublish(p) };
  await applyFullRound(book, round.files, { ...steps, stale: () => undefined, alive: () => true });
  const applyMs = performance.now() - t;
  delay.disable();
  const t2 = performance.now();
  for (let i = 0; i < 1000; i++) [book.behind(), book.held(), book.total()];
  const statusUs = ((performance.now() - t2) / 1000) * 1000;
  const longestWaitMs = Math.round(delay.max / 1e6);
  console.log(
    JSON.stringify({ files: FILES, applyMs: Math.round(applyMs), longestWaitMs, statusUs: +statusUs.toFixed(2) }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
