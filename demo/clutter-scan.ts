/**
 * What `npm run unclutter` (demo/unclutter.ts) may remove: the folders this project creates, each recognised by
 * what only this project puts there, and nothing else.
 * - peer folders `peers/NAME/` in the current directory (the peer's default `--dir`): a real folder holding a real
 *   `.p2p/` with `identity.key` (or an older release's `identity.json`); in use while `.p2p/peer.lock` names a live
 *   process (peer/files/folder-lock.ts);
 * - the metadata server's state folder `.meshshare/` (its default `--state`): a real folder holding `mesh.key`,
 *   `server.key` or `names.json`; in use while its `server.pid` names a live process (common/pid-file.ts);
 * - demo folders `meshshare-demo-XXXXXX` in the OS's temporary folder (demo/demo.ts), owned by this user and laid
 *   out as a demo's; one whose demo, server or peers still run is not left behind and is left alone.
 * Links are never followed: a link where a folder is expected is reported and skipped. Everything is read with
 * lstat, so sizes count what a removal would delete, not what links point to.
 */
import { lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_STATE_DIR, MESH_KEY_FILE } from '../common/mesh-key.js';
import { livePid, SERVER_PID_FILE } from '../common/pid-file.js';
import { LOCK_FILE } from '../peer/files/folder-lock.js';
import { IDENTITY_KEY_FILE } from '../peer/files/identity.js';
import { DEMO_FOLDER_PREFIX, DEMO_PEERS, DEMO_PID_FILE } from './demo-fixtures.js';

/** The folder under the current directory where peers keep their folders by default (peer/main.ts, `--dir`). */
export const PEERS_DIR = 'peers';
/** An earlier release's identity file: a folder holding it is a peer folder too. */
const OLD_IDENTITY_FILE = 'identity.json';
/** Files only the metadata server writes in its state folder (metadata-server/main.ts, name-book.ts). */
const SERVER_STATE_FILES = [MESH_KEY_FILE, 'server.key', 'names.json'];
/** A demo folder's own files, besides its peers' folders (demo/demo.ts). */
const DEMO_FILES = [DEMO_PID_FILE, MESH_KEY_FILE, 'metadata-server.log'];

export type ClutterKind = 'peer' | 'server-state' | 'demo';

/** Files and bytes under a folder, counted without following links. */
export interface Tally {
  files: number;
  bytes: number;
}

export interface ClutterItem {
  kind: ClutterKind;
  /** Absolute path. */
  path: string;
  /** How the listing shows it: relative to the current directory, or absolute for a demo folder. */
  shown: string;
  total: Tally;
  /** A peer folder's files outside `.p2p/` (its shared/, Downloads/, …): what a person put or fetched there. */
  userFiles: Tally & { folders: string[] };
  /** The live process using it, and what it is; null when nothing runs there. */
  inUse: { pid: number; what: string } | null;
}

export interface SkippedEntry {
  shown: string;
  reason: string;
}

export interface ClutterScan {
  /** The folder looked in (the current directory). */
  dir: string;
  /** The OS's temporary folder looked in for demo folders. */
  tmp: string;
  items: ClutterItem[];
  skipped: SkippedEntry[];
}

/** Looks; touches nothing. */
export function scanClutter(dir: string, tmp: string): ClutterScan {
  const items: ClutterItem[] = [];
  const skipped: SkippedEntry[] = [];
  scanPeers(dir, items, skipped);
  const state = join(dir, DEFAULT_STATE_DIR);
  const stateKind = inspectServerState(state);
  if (stateKind === 'yes') items.push(describe('server-state', state, `${DEFAULT_STATE_DIR}/`));
  else if (stateKind !== 'absent') skipped.push({ shown: DEFAULT_STATE_DIR, reason: stateKind });
  scanDemos(tmp, items, skipped);
  return { dir, tmp, items, skipped };
}

/**
 * Whether `item` is still what the scan found, just before it goes: still a real folder, still recognised, still
 * unused. Returns why not, or null. (Between the question and the answer a person may have started a peer there.)
 */
export function recheck(item: ClutterItem): string | null {
  const why =
    item.kind === 'peer'
      ? peerFolderProblem(item.path)
      : item.kind === 'server-state'
        ? serverStateProblem(item.path)
        : demoFolderProblem(item.path);
  if (why) return why;
  const inUse = usage(item.kind, item.path);
  return inUse ? `it is in use by a running ${inUse.what} (process ${inUse.pid})` : null;
}

/** What runs on a found folder now (read again: a peer may have started since the scan). */
export function inUseNow(item: ClutterItem): ClutterItem['inUse'] {
  return usage(item.kind, item.path);
}

function scanPeers(dir: string, items: ClutterItem[], skipped: SkippedEntry[]): void {
  const peers = join(dir, PEERS_DIR);
  const stat = lstatOrNull(peers);
  if (!stat) return;
  if (!stat.isDirectory()) {
    skipped.push({ shown: PEERS_DIR, reason: notAFolder(peers, stat) });
    return;
  }
  let names: string[];
  try {
    names = readdirSync(peers).sort();
  } catch (err) {
    skipped.push({ shown: `${PEERS_DIR}/`, reason: `cannot be read (${(err as NodeJS.ErrnoException).code})` });
    return;
  }
  for (const name of names) {
    const path = join(peers, name);
    const why = peerFolderProblem(path);
    if (why) skipped.push({ shown: `${PEERS_DIR}/${name}`, reason: why });
    else items.push(describe('peer', path, `${PEERS_DIR}/${name}/`));
  }
}

function scanDemos(tmp: string, items: ClutterItem[], skipped: SkippedEntry[]): void {
  let names: string[];
  try {
    names = readdirSync(tmp).filter((n) => n.startsWith(DEMO_FOLDER_PREFIX));
  } catch {
    return; // no temporary folder to look in: no demo left there
  }
  for (const name of names.sort()) {
    const path = join(tmp, name);
    const why = demoFolderProblem(path);
    if (why) {
      skipped.push({ shown: path, reason: why });
      continue;
    }
    const item = describe('demo', path, `${path}/`);
    // A running demo is not left behind: it removes its folder itself when it ends.
    if (item.inUse) skipped.push({ shown: path, reason: `a running ${item.inUse.what} (process ${item.inUse.pid})` });
    else items.push(item);
  }
}

/** Why `path` is not a peer folder, or null when it is one. */
export function peerFolderProblem(path: string): string | null {
  const stat = lstatOrNull(path);
  if (!stat) return 'it is gone';
  if (!stat.isDirectory()) return notAFolder(path, stat);
  const state = join(path, '.p2p');
  const hidden = lstatOrNull(state);
  if (!hidden) return 'not a peer folder (no .p2p/)';
  if (!hidden.isDirectory()) return `not a peer folder (its .p2p is ${notAFolder(state, hidden)})`;
  if (!hasFile(state, [IDENTITY_KEY_FILE, OLD_IDENTITY_FILE]))
    return `not a peer folder (no .p2p/${IDENTITY_KEY_FILE} or .p2p/${OLD_IDENTITY_FILE})`;
  return null;
}

/** 'yes', 'absent', or why `.meshshare` is not the server's state folder. */
function inspectServerState(path: string): string {
  if (!lstatOrNull(path)) return 'absent';
  return serverStateProblem(path) ?? 'yes';
}

function serverStateProblem(path: string): string | null {
  const stat = lstatOrNull(path);
  if (!stat) return 'it is gone';
  if (!stat.isDirectory()) return notAFolder(path, stat);
  if (!hasFile(path, SERVER_STATE_FILES)) return `holds none of ${SERVER_STATE_FILES.join(', ')}: not a state folder`;
  return null;
}

function demoFolderProblem(path: string): string | null {
  const stat = lstatOrNull(path);
  if (!stat) return 'it is gone';
  if (!stat.isDirectory()) return notAFolder(path, stat);
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) return "another user's folder";
  const peers = DEMO_PEERS.filter((name) => lstatOrNull(join(path, name))?.isDirectory());
  if (!hasFile(path, DEMO_FILES) && peers.length === 0) return "not laid out as a demo's folder";
  return null;
}

/** What runs on a recognised folder, if anything. */
function usage(kind: ClutterKind, path: string): ClutterItem['inUse'] {
  const live = (file: string, what: string) => {
    const pid = livePid(file);
    return pid === null ? null : { pid, what };
  };
  if (kind === 'peer') return live(join(path, '.p2p', LOCK_FILE), 'peer');
  if (kind === 'server-state') return live(join(path, SERVER_PID_FILE), 'metadata server');
  for (const found of [
    live(join(path, DEMO_PID_FILE), 'demo'),
    live(join(path, SERVER_PID_FILE), "demo's metadata server"),
    ...DEMO_PEERS.map((name) => live(join(path, name, '.p2p', LOCK_FILE), `demo peer ${name}`)),
  ]) {
    if (found) return found;
  }
  return null;
}

function describe(kind: ClutterKind, path: string, shown: string): ClutterItem {
  const total = tally(path);
  const userFiles = { files: 0, bytes: 0, folders: [] as string[] };
  if (kind === 'peer') {
    for (const name of safeList(path)) {
      if (name === '.p2p') continue;
      const part = tally(join(path, name));
      if (part.files === 0) continue;
      userFiles.files += part.files;
      userFiles.bytes += part.bytes;
      userFiles.folders.push(lstatOrNull(join(path, name))?.isDirectory() ? `${name}/` : name);
    }
  }
  return { kind, path, shown, total, userFiles, inUse: usage(kind, path) };
}

/** Files (anything not a folder, links included) and their bytes under `path`, never following a link. */
export function tally(path: string): Tally {
  const out = { files: 0, bytes: 0 };
  const walk = (p: string) => {
    const stat = lstatOrNull(p);
    if (!stat) return;
    if (!stat.isDirectory()) {
      out.files += 1;
      out.bytes += stat.size;
      return;
    }
    for (const name of safeList(p)) walk(join(p, name));
  };
  walk(path);
  return out;
}

function notAFolder(path: string, stat: Stats): string {
  if (stat.isSymbolicLink()) {
    let target = '?';
    try {
      target = readlinkSync(path);
    } catch {
      /* unreadable link */
    }
    return `a link (to ${target}): links are not followed`;
  }
  return 'not a folder';
}

function hasFile(dir: string, names: readonly string[]): boolean {
  return names.some((name) => lstatOrNull(join(dir, name))?.isFile() === true);
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
