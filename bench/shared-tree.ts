/**
 * bench/shared-tree: what a large shared tree costs the catalog (docs/performance.md "Shared trees"). For each size
 * (files spread over 100 folders, 1 KiB each), in a fresh process so its memory is its own:
 * - the first listing (every folder read, every file stat'ed) and the hashing of every file, with the RSS after;
 * - an idle full rescan (nothing changed), the one the catalog runs every 15 s while it watches;
 * - `start()`: the listing plus one watch per folder;
 * - the time from writing a new file to the `files` event that offers it (median and worst of 20, with the default
 *   1 s settle period, and for a file dated a minute back, settled at once, to show the watcher alone);
 * - the CPU an idle watching catalog uses, and what a full rescan every second (the old way) would.
 *
 *   npm run bench:shared-tree      (node dist/bench/shared-tree.js [--files 10000,100000] [--idle 30])
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Hasher } from '../peer/content/hasher.js';
import { FileCatalog } from '../peer/files/file-catalog.js';
import { PeerFolders } from '../peer/files/peer-folders.js';
import { runNode, table } from './bench-util.js';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '10000,100000' },
    idle: { type: 'string', default: '30' },
    one: { type: 'string' },
  },
});
const FOLDERS = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

function peakRss(): number {
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN);
  return Math.round(kb / 1024);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Time from writing a new file to the `files` event that offers it, `runs` times. */
async function latencies(catalog: FileCatalog, shared: string, tag: string, runs = 20, old = false): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const name = `folder-${(i * 37) % FOLDERS}/${tag}-${i}.txt`;
    const seen = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} was not offered within 10 s`)), 10_000);
      const on = (files: { name: string }[]) => {
        if (!files.some((f) => f.name === name)) return;
        clearTimeout(timer);
        catalog.off('files', on);
        resolve(performance.now());
      };
      catalog.on('files', on);
    });
    const started = performance.now();
    writeFileSync(join(shared, name), `new file ${i}\n`);
    // An mtime long past: settled at once (as a file copied with its times kept), so only the watcher is timed.
    if (old) utimesSync(join(shared, name), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    out.push((await seen) - started);
    await sleep(50);
  }
  return out;
}

async function one(n: number, idleSeconds: number): Promise<Record<string, number>> {
  const root = mkdtempSync(join(tmpdir(), 'meshshare-tree-'));
  const hasher = new Hasher();
  try {
    const folders = new PeerFolders(join(root, 'peer')).ensure();
    let t = performance.now();
    const body = Buffer.alloc(1024, 1);
    for (let d = 0; d < FOLDERS; d++) mkdirSync(join(folders.shared, `folder-${d}`));
    for (let i = 0; i < n; i++) {
      body.writeUInt32LE(i, 0); // each file its own content
      writeFileSync(join(folders.shared, `folder-${i % FOLDERS}`, `file-${i}.bin`), body);
    }
    const written = performance.now() - t;
    await sleep(1200); // past the settle period: every file may be offered
    const baseRss = process.memoryUsage().rss;
    const catalog = new FileCatalog(folders, hasher, { saveDelayMs: 2000 });
    t = performance.now();
    const listing = catalog.refresh();
    const listMs = performance.now() - t;
    if (listing.shared.length !== n) throw new Error(`listed ${listing.shared.length} of ${n}`);
    const listRss = process.memoryUsage().rss;
    t = performance.now();
    const hashed = await catalog.warm();
    const hashMs = performance.now() - t;
    const hashRss = process.memoryUsage().rss;
    if (hashed.length !== n) throw new Error(`hashed ${hashed.length} of ${n}`);
    t = performance.now();
    catalog.stop(); // writes the digest cache: once, however many files were hashed
    const saveMs = performance.now() - t;
    const rescans: number[] = [];
    for (let i = 0; i < 5; i++) {
      t = performance.now();
      catalog.refresh();
      rescans.push(performance.now() - t);
    }
    const rescanMs = median(rescans);
    t = performance.now();
    catalog.start();
    const startMs = performance.now() - t;
    const settled = await latencies(catalog, folders.shared, 'settled');
    // Measured on the same catalog with no settle period (a second catalog would double the memory measured).
    const watched = await latencies(catalog, folders.shared, 'watched', 20, true);
    await sleep(500);
    const cpu = process.cpuUsage();
    const idleStart = performance.now();
    await sleep(idleSeconds * 1000);
    const used = process.cpuUsage(cpu);
    const idlePct = ((used.user + used.system) / 1000 / (performance.now() - idleStart)) * 100;
    (globalThis as { gc?: () => void }).gc?.(); // the child runs with --expose-gc: what is live, not what V8 kept
    const heapMb = mb(process.memoryUsage().heapUsed);
    catalog.stop();
    return {
      files: n,
      writtenMs: Math.round(written),
      listMs: Math.round(listMs),
      baseRssMb: mb(baseRss),
      listRssMb: mb(listRss),
      hashMs: Math.round(hashMs),
      hashRssMb: mb(hashRss),
      saveMs: Math.round(saveMs),
      rssMb: mb(process.memoryUsage().rss),
      heapMb,
      peakRssMb: peakRss(),
      rescanMs: Math.round(rescanMs),
      startMs: Math.round(startMs),
      settledMedianMs: Math.round(median(settled)),
      settledMaxMs: Math.round(Math.max(...settled)),
      watchedMedianMs: Math.round(median(watched)),
      watchedMaxMs: Math.round(Math.max(...watched)),
      idleCpuPct: Math.round(idlePct * 100) / 100,
      everySecondCpuPct: Math.round((rescanMs / 1000) * 1000) / 10,
    };
  } finally {
    hasher.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

if (values.one) {
  console.log(JSON.stringify(await one(Number(values.one), Number(values.idle))));
} else {
  const rows: (string | number)[][] = [];
  for (const n of values.files.split(',').map(Number)) {
    const args = ['--expose-gc', fileURLToPath(import.meta.url), '--one', String(n), '--idle', values.idle];
    const [r] = await runNode(args);
    if (!r) throw new Error(`no result for ${n} files`);
    rows.push([
      `${n} files / ${FOLDERS} folders`,
      `${r.listMs} ms (RSS ${r.baseRssMb} → ${r.listRssMb} MB)`,
      `${r.hashMs} ms (RSS ${r.hashRssMb} MB)`,
      `${r.saveMs} ms`,
      `${r.rescanMs} ms`,
      `${r.startMs} ms`,
      `${r.settledMedianMs} / ${r.settledMaxMs} ms`,
      `${r.watchedMedianMs} / ${r.watchedMaxMs} ms`,
      `${r.idleCpuPct} % (vs ${r.everySecondCpuPct} %)`,
      `${r.rssMb} MB (peak ${r.peakRssMb}; heap live ${r.heapMb} MB)`,
    ]);
  }
  console.log(
    table(
      [
        'tree',
        'first listing',
        'hashing all',
        'cache write',
        'idle rescan',
        'start()',
        'write → files (1 s settle), median / max',
        'same, an old mtime (no settling)',
        'idle CPU (rescan each s)',
        'RSS idle, watching',
      ],
      rows,
    ),
  );
}
