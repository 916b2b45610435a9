import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, openSync, closeSync, readdirSync, statSync, utimesSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../common/mulberry32.js';

/**
 * The demo's files: what is copied from `fixtures/sN/` and what is generated at start (fixtures/README.md).
 * Binaries of a few MB come from a seeded PRNG instead of the repository: identical bytes on every run.
 */

/** The checkout's `fixtures/` folder, from `dist/tui/demo-fixtures.js`. */
export const FIXTURES_DIR = fileURLToPath(new URL('../../fixtures/', import.meta.url));

/** The demos' temporary folders are `meshshare-demo-XXXXXX` in the OS's temporary folder (`npm run unclutter` finds those left). */
export const DEMO_FOLDER_PREFIX = 'meshshare-demo-';
/** The running demo's process id, in its folder (common/pid-file.ts): a folder without a live one was left behind. */
export const DEMO_PID_FILE = 'demo.pid';

/** Peers of the demo; s1 is the one with the dashboard in the foreground. */
export const DEMO_PEERS = ['s1', 's2', 's3', 's4', 's5'] as const;

export interface GeneratedFile {
  name: string;
  bytes: number;
  seed: number;
  /** Peers that hold a copy (same seed: same bytes, so a file held by two peers). */
  peers: string[];
}

const MIB = 1024 * 1024;

export const GENERATED_FILES: readonly GeneratedFile[] = [
  { name: 'dataset-4mb.bin', bytes: 4 * MIB, seed: 5, peers: ['s5'] },
  { name: 'firmware-3mb.bin', bytes: 3 * MIB, seed: 34, peers: ['s3', 's4'] },
];

/** Files the welcome line suggests, with where they are; s1 is joined to some of these directly, some not. */
export const SUGGESTED_FILES = ['poem.txt', 'mesh-logo.png', 'dataset-4mb.bin', 'lan-party.txt', 'firmware-3mb.bin'];

export const WELCOME_TEXT =
  'Welcome to the meshshare demo: s1 (you) and s2–s5 are in the mesh. Type a file name to ' +
  'fetch it, e.g. poem.txt, mesh-logo.png, dataset-4mb.bin (4 MiB) or lan-party.txt (held by s2 and s4); Tab ' +
  'completes them. TOPO shows the mesh, help lists commands, Stop (or q) leaves and ends the demo.';

/**
 * Creates `root/sN/shared/` for every demo peer, copies `fixtures/sN/*` into it and writes the generated
 * binaries. Returns each peer's folder.
 */
export function prepareDemoFolders(root: string, fixtures = FIXTURES_DIR): Record<string, string> {
  const folders: Record<string, string> = {};
  for (const peer of DEMO_PEERS) {
    const dir = join(root, peer);
    const shared = join(dir, 'shared');
    mkdirSync(shared, { recursive: true });
    folders[peer] = dir;
    const source = join(fixtures, peer);
    let names: string[] = [];
    try {
      names = readdirSync(source);
    } catch {
      // A peer without a fixtures folder (s1) starts empty.
    }
    for (const name of names) {
      if (statSync(join(source, name)).isFile()) copyFileSync(join(source, name), join(shared, name));
    }
  }
  for (const file of GENERATED_FILES) {
    for (const peer of file.peers) writeSeededFile(join(folders[peer]!, 'shared', file.name), file.bytes, file.seed);
  }
  // Whole files, written by us: dated a minute back, so the peers offer them at once rather than after the settle
  // period a file just written waits out (docs/CONTRACT.md "Folders").
  const past = new Date(Date.now() - 60_000);
  for (const dir of Object.values(folders)) {
    const shared = join(dir, 'shared');
    for (const name of readdirSync(shared)) utimesSync(join(shared, name), past, past);
  }
  return folders;
}

/** Chunk size for generated files: large enough to be quick, small enough to keep memory flat. */
const CHUNK_BYTES = 1 * MIB;

/** Writes `bytes` deterministic bytes (seeded PRNG) to `path`; returns their SHA-256 in hex. */
export function writeSeededFile(path: string, bytes: number, seed: number): string {
  const next = mulberry32(seed);
  const hash = createHash('sha256');
  const fd = openSync(path, 'w');
  try {
    for (let written = 0; written < bytes; written += CHUNK_BYTES) {
      const chunk = seededChunk(next, Math.min(CHUNK_BYTES, bytes - written));
      hash.update(chunk);
      writeSync(fd, chunk);
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

function seededChunk(next: () => number, length: number): Buffer {
  const chunk = Buffer.allocUnsafe(length);
  let i = 0;
  for (; i + 4 <= length; i += 4) chunk.writeUInt32LE(next(), i);
  for (; i < length; i += 1) chunk[i] = next() & 0xff;
  return chunk;
}
