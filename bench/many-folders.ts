/**
 * bench/many-folders: a shared tree with more folders than a peer watches (docs/performance.md "Shared trees"):
 * FOLDERS folders of one file each under `shared/a0..a99/`, then the time of a full `refresh()`, of `start()`, the
 * inotify watches the process holds (from /proc/self/fdinfo), the CPU of IDLE ms of an idle started catalog, the
 * RSS, and the notice about watching.
 *
 *   node dist/bench/many-folders.js [FOLDERS=100000] [IDLE_MS=30000]
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hasher } from '../peer/content/hasher.js';
import { FileCatalog } from '../peer/files/file-catalog.js';
import { PeerFolders } from '../peer/files/peer-folders.js';

const folderCount = Number(process.argv[2] ?? 100_000);
const idleMs = Number(process.argv[3] ?? 30_000);
const rss = () => `${Math.round(process.memoryUsage().rss / 1048576)} MB`;

function inotifyWatches(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) !== 'anon_inode:inotify') continue;
      n += readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('inotify wd:')).length;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

const root = mkdtempSync(join(tmpdir(), 'many-folders-'));
const hasher = new Hasher();
try {
  const folders = new PeerFolders(join(root, 'peer')).ensure();
  for (let d = 0; d < folderCount; d++) {
    const path = join(folders.shared, `a${d % 100}`, `f${d}`);
    mkdirSync(path, { recursive: true });
    writeFileSync(join(path, 'x.txt'), String(d));
  }
  await new Promise((r) => setTimeout(r, 1200));
  const catalog = new FileCatalog(folders, hasher);
  const notices: string[] = [];
  catalog.on('notice', (m) => notices.push(m));
  let t = performance.now();
  catalog.refresh();
  console.log(`listing ${Math.round(performance.now() - t)} ms, RSS ${rss()}`);
  t = performance.now();
  catalog.start();
  const watches = inotifyWatches();
  console.log(`start() ${Math.round(performance.now() - t)} ms, RSS ${rss()}, ${watches} inotify watches`);
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, idleMs));
  const used = process.cpuUsage(cpu);
  const share = (used.user + used.system) / 1000 / (performance.now() - t0);
  console.log(`idle CPU ${(share * 100).toFixed(1)} % of a core over ${idleMs} ms, RSS ${rss()}`);
  console.log(`notices: ${JSON.stringify(notices.filter((m) => /watch/.test(m)))}`);
  catalog.stop();
} finally {
  hasher.stop();
  rmSync(root, { recursive: true, force: true });
}
