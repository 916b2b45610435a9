/**
 * The bridge's member of its office's mesh (docs/BEYOND-LAN.md "The bridge"): an ordinary `peer` process, run
 * headless as a child, joined to the office's metadata server with the mesh key. The bridge reads its events (one
 * JSON object a line, docs/CONTRACT.md "Events") and types its commands, so it uses the mesh exactly as a person
 * would: what it fetches is a verified swarm download, and what it places in `shared/` is offered like any file.
 *
 * May import: common/, peer/control/ (the event contract), bridge/download-line.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { isAbsolute, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { EventEmitter } from 'eventemitter3';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { PeerEvent } from '../peer/control/peer-events.js';
import { downloadLine } from './download-line.js';

/** The compiled `peer` command, next to this room in dist/. */
const PEER_MAIN = fileURLToPath(new URL('../peer/main.js', import.meta.url));

export interface OfficePeerOptions {
  name: string;
  dir: string;
  /** Arguments passed on to `peer` as they are (`--server`, `--host`, `--key-file`, …). */
  peerArgs: string[];
}

/** A file the office holds, as the bridge's peer downloaded (or already had) it. */
export interface OfficeFile {
  path: string;
  size: number;
  sha256: string;
}

interface OfficePeerEvents {
  /** A search for `file` passed through the bridge's peer and it holds no copy. */
  miss: (file: string) => void;
  /** Anything the peer said that the bridge's log should show. */
  log: (line: string) => void;
  exit: (code: number | null) => void;
}

export class OfficePeer extends EventEmitter<OfficePeerEvents> {
  private child: ChildProcess | undefined;
  private lines = 0;
  private readonly waiters = new Map<number, (e: PeerEvent) => boolean>();
  private readyWaiter: ((e: PeerEvent) => void) | undefined;

  constructor(private readonly options: OfficePeerOptions) {
    super();
  }

  get sharedDir(): string {
    return join(this.options.dir, 'shared');
  }

  /** Starts the peer; resolves with its `ready` event, rejects if it exits first or takes over `timeoutMs`. */
  start(timeoutMs = 20_000): Promise<Extract<PeerEvent, { event: 'ready' }>> {
    const { name, dir, peerArgs } = this.options;
    // `--exit-when-done`: when the bridge goes, even killed, its pipe closes and the peer leaves (no orphan).
    const argv = [PEER_MAIN, name, '--dir', dir, '--headless', '--exit-when-done', ...peerArgs];
    const child = spawn(process.execPath, argv, {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    createInterface({ input: child.stdout! }).on('line', (line) => this.onLine(line));
    createInterface({ input: child.stderr! }).on('line', (line) => this.emit('log', line));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the bridge's peer was not ready within ${timeoutMs} ms`)),
        timeoutMs,
      );
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the bridge's peer exited (code ${code}) before it was ready`));
        this.emit('exit', code);
      });
      this.readyWaiter = (e) => {
        clearTimeout(timer);
        if (e.event === 'ready') resolve(e);
      };
    });
  }

  /**
   * Gets `file` from the office (a download like any, verified by SHA-256), or finds it already here. Resolves with
   * where it is, or with a sentence saying why not.
   */
  get(file: string, timeoutMs: number): Promise<OfficeFile | string> {
    const child = this.child;
    if (!child?.stdin?.writable) return Promise.resolve("the bridge's peer is not running");
    const typed = downloadLine(file);
    if ('problem' in typed) return Promise.resolve(typed.problem);
    const cmd = ++this.lines;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(cmd);
        resolve(`the office did not deliver ${file} within ${timeoutMs} ms`);
      }, timeoutMs);
      const done = (answer: OfficeFile | string) => {
        clearTimeout(timer);
        resolve(answer);
        return true;
      };
      this.waiters.set(cmd, (e) => {
        const at = (path: string) => (isAbsolute(path) ? path : join(this.options.dir, path));
        switch (e.event) {
          case 'download-complete':
            return done({ path: at(e.path), size: e.bytes, sha256: e.sha256 });
          case 'already-have':
            void hashFile(at(e.path)).then(done, (err: Error) => done(`cannot read ${e.path}: ${err.message}`));
            return true;
          case 'not-found':
            return done(`nobody in the office holds ${file}`);
          case 'ambiguous':
            return done(`the office holds several contents named ${file}`);
          case 'download-failed':
            return done(`the office's download of ${file} failed: ${e.reason}`);
          case 'error':
            return done(e.message);
          default:
            return false;
        }
      });
      child.stdin!.write(`${typed.line}\n`);
    });
  }

  /** Stops the peer (like `Stop`); kills it if it has not left within `ms`. */
  async stop(ms = 5000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    await exited;
    clearTimeout(timer);
  }

  private onLine(line: string): void {
    let e: PeerEvent;
    try {
      e = JSON.parse(line) as PeerEvent;
    } catch {
      return;
    }
    if (e.event === 'ready') this.readyWaiter?.(e);
    if (e.event === 'query-seen' && (e.action === 'forwarded' || e.action === 'expired')) this.emit('miss', e.file);
    const waiter = e.cmd === undefined ? undefined : this.waiters.get(e.cmd);
    if (waiter && waiter(e)) this.waiters.delete(e.cmd!);
  }
}

/** Size and SHA-256 of a file, streamed. */
async function hashFile(path: string): Promise<OfficeFile> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { path, size, sha256: hash.digest('hex') };
}
