/**
 * One stream between two bridges (docs/BEYOND-LAN.md "The bridge"): the hello that proves the mesh key on this
 * stream, then files asked for (`want`) and sent back (`have` and `chunk`s), one at a time each way. The far end is
 * hostile until its hello verifies: frames are bounded (bridge/bridge-messages.ts), messages schema-checked, a hello
 * late or wrong, a message before it, a chunk nobody asked for or beyond the announced size close this stream only,
 * with a log line. A received file is written to a partial file, its SHA-256 checked, and only then renamed into
 * place.
 *
 * May import: common/, peer/files/relative-path.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { EventEmitter } from 'eventemitter3';
import { Channel } from '../common/channel.js';
import { idOfPublicKey } from '../common/signing-key.js';
import type { Tagged } from '../common/message-table.js';
import { pathProblem } from '../peer/files/relative-path.js';
import { helloProof, helloProofValid, type BridgeKeys } from './bridge-keys.js';
import { BRIDGE_MAX_FRAME_BYTES, BRIDGE_MESSAGES, CHUNK_BYTES, type BridgeMessages } from './bridge-messages.js';
import type { NoiseStream } from './hyperswarm-engine.js';
import type { OfficeFile } from './office-peer.js';

export interface BridgeLinkOptions {
  /** The far end's hello must arrive within this long. */
  helloTimeoutMs: number;
  /** Largest file accepted from the far office. */
  maxFileBytes: number;
  /** Where partial files are written (outside the shared folder): one per transfer, removed when it ends. */
  partialDir: string;
  /** Gets a file the far office asks for from this office: where it is, or why not. */
  serve: (file: string) => Promise<OfficeFile | string>;
}

interface LinkEvents {
  /** The far end proved the mesh key: requests may flow. */
  up: () => void;
  log: (line: string) => void;
  close: (reason: string) => void;
}

/** An incoming file being written. */
interface Receiving {
  rid: string;
  file: string;
  size: number;
  sha256: string;
  partial: string;
  handle: Promise<FileHandle>;
  hash: ReturnType<typeof createHash>;
  got: number;
  /** Writes in order: each chunk waits for the one before. */
  writes: Promise<void>;
  queued: number;
}

interface Pending {
  file: string;
  dest: string;
  resolve: (answer: OfficeFile | string) => void;
}

/** Received bytes waiting for the disk above which reading pauses, and below which it resumes. */
const PAUSE_BYTES = 1024 * 1024;
const RESUME_BYTES = 256 * 1024;
/** Requests from one far bridge that may wait at once; more are answered `none` (busy). */
const MAX_QUEUED_WANTS = 8;

export class BridgeLink extends EventEmitter<LinkEvents> {
  /** The far bridge's id (from its Noise public key, as a peer's id is from its identity key). */
  readonly remoteId: string;
  private readonly channel: Channel<BridgeMessages>;
  private proved = false;
  private readonly helloTimer: NodeJS.Timeout;
  private readonly pending = new Map<string, Pending>();
  private receiving: Receiving | undefined;
  /** Requests from the far end, served one after another; `queued` of them not finished. */
  private serving: Promise<void> = Promise.resolve();
  private queued = 0;

  constructor(
    private readonly stream: NoiseStream,
    private readonly keys: BridgeKeys,
    private readonly options: BridgeLinkOptions,
  ) {
    super();
    this.remoteId = idOfPublicKey(stream.remotePublicKey);
    this.channel = new Channel(stream, BRIDGE_MESSAGES, {
      maxFrameBytes: BRIDGE_MAX_FRAME_BYTES,
      idleTimeoutMs: 0, // liveness is the Noise stream's keep-alive (hyperdht `connectionKeepAlive`)
      remote: `bridge ${this.remoteId}`,
    });
    const role = stream.isInitiator ? 'initiator' : 'responder';
    const proof = helloProof(keys.helloKey, role, stream.handshakeHash, stream.publicKey);
    this.channel.send('hello', { proof: proof.toString('base64') });
    this.helloTimer = setTimeout(() => this.fail('no hello in time'), options.helloTimeoutMs);
    this.channel.on('message', (msg) => this.onMessage(msg));
    this.channel.on('error', (err) => this.emit('log', `bridge ${this.remoteId}: ${err.message}`));
    this.channel.on('close', () => this.finish());
  }

  get isUp(): boolean {
    return this.proved && this.channel.isOpen;
  }

  /**
   * Asks the far office for `file`; the verified file is renamed to `dest`. Resolves with where it is, or with a
   * sentence saying why not (after `timeoutMs` at the latest).
   */
  request(file: string, dest: string, timeoutMs: number): Promise<OfficeFile | string> {
    if (!this.isUp) return Promise.resolve(`the link to bridge ${this.remoteId} is not up`);
    const rid = randomBytes(9).toString('base64url');
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(rid);
        resolve(`bridge ${this.remoteId} did not deliver ${file} within ${timeoutMs} ms`);
        if (this.receiving?.rid === rid) this.fail(`${file} took longer than ${timeoutMs} ms`);
      }, timeoutMs);
      this.pending.set(rid, {
        file,
        dest,
        resolve: (answer) => {
          clearTimeout(timer);
          this.pending.delete(rid);
          resolve(answer);
        },
      });
      this.channel.send('want', { rid, file });
    });
  }

  close(): void {
    this.channel.destroy();
  }

  private onMessage(msg: Tagged<BridgeMessages>): void {
    if (!this.proved) {
      if (msg.kind !== 'hello') return this.fail(`${msg.kind} before hello`);
      const far = this.stream.isInitiator ? 'responder' : 'initiator';
      const proof = Buffer.from(msg.body.proof, 'base64');
      if (!helloProofValid(this.keys.helloKey, far, this.stream.handshakeHash, this.stream.remotePublicKey, proof))
        return this.fail('its hello does not prove the mesh key');
      clearTimeout(this.helloTimer);
      this.proved = true;
      this.emit('up');
      return;
    }
    switch (msg.kind) {
      case 'hello':
        return this.fail('a second hello');
      case 'want': {
        const { rid, file } = msg.body;
        const problem = pathProblem(file);
        if (problem) {
          this.emit('log', `bridge ${this.remoteId} asked for a bad name: ${problem}`);
          this.channel.send('none', { rid, file, reason: problem });
          return;
        }
        if (this.queued >= MAX_QUEUED_WANTS) {
          this.channel.send('none', { rid, file, reason: `busy: ${MAX_QUEUED_WANTS} requests already wait` });
          return;
        }
        this.queued++;
        this.serving = this.serving.then(() => this.serve(rid, file)).finally(() => this.queued--);
        return;
      }
      case 'none': {
        const pending = this.pending.get(msg.body.rid);
        pending?.resolve(`bridge ${this.remoteId}: ${msg.body.reason}`);
        return;
      }
      case 'have':
        return this.onHave(msg.body);
      case 'chunk':
        return this.onChunk(msg.body);
    }
  }

  private async serve(rid: string, file: string): Promise<void> {
    const found = await this.options.serve(file);
    if (!this.channel.isOpen) return;
    if (typeof found === 'string') {
      this.channel.send('none', { rid, file, reason: found });
      return;
    }
    this.emit('log', `sending ${file} (${found.size} bytes) to bridge ${this.remoteId}`);
    this.channel.send('have', { rid, file, size: found.size, sha256: found.sha256 });
    let sent = 0;
    try {
      if (found.size > 0)
        for await (const chunk of createReadStream(found.path, { highWaterMark: CHUNK_BYTES, end: found.size - 1 })) {
          if (!this.channel.isOpen) return;
          sent += (chunk as Buffer).length;
          if (!this.channel.send('chunk', chunk as Buffer)) await this.channel.waitDrain();
        }
    } catch (err) {
      return this.fail(`cannot read ${file}: ${(err as Error).message}`);
    }
    // The far end expects exactly `size` bytes: a file that shrank since leaves it nothing to finish, so end here.
    if (sent !== found.size) this.fail(`${file} changed while it was sent`);
  }

  private onHave(have: BridgeMessages['have']): void {
    const pending = this.pending.get(have.rid);
    if (!pending || this.receiving) return this.fail(`a file nobody asked for (${have.file})`);
    if (have.file !== pending.file) return this.fail(`${have.file} sent for ${pending.file}`);
    if (have.size > this.options.maxFileBytes) {
      pending.resolve(`${have.file} is larger than the bridge's limit of ${this.options.maxFileBytes} bytes`);
      return this.fail(`${have.file} is too large (${have.size} bytes)`);
    }
    const partial = join(this.options.partialDir, `${have.rid}.partial`);
    const handle = mkdir(this.options.partialDir, { recursive: true }).then(() => open(partial, 'w', 0o600));
    handle.catch(() => undefined); // awaited by the writes, which report it
    this.receiving = { ...have, partial, handle, hash: createHash('sha256'), got: 0, writes: handle.then(), queued: 0 };
    if (have.size === 0) this.complete(this.receiving);
  }

  private onChunk(data: Buffer): void {
    const r = this.receiving;
    if (!r) return this.fail('a chunk with no file under way');
    if (r.got + data.length > r.size) return this.fail(`more bytes than ${r.size} for ${r.file}`);
    r.got += data.length;
    r.hash.update(data);
    const copy = Buffer.from(data); // the frame's buffer is the decoder's; the write happens later
    r.queued += copy.length;
    if (r.queued > PAUSE_BYTES) this.channel.pause();
    r.writes = r.writes.then(async () => {
      const fh = await r.handle;
      await fh.write(copy, 0, copy.length);
      r.queued -= copy.length;
      if (r.queued < RESUME_BYTES) this.channel.resume();
    });
    if (r.got === r.size) this.complete(r);
  }

  private complete(r: Receiving): void {
    this.receiving = undefined;
    const pending = this.pending.get(r.rid);
    const sha256 = r.hash.digest('hex');
    void r.writes
      .then(async () => {
        await (await r.handle).close();
        if (sha256 !== r.sha256) throw new Error(`its SHA-256 is ${sha256}, not the ${r.sha256} announced`);
        if (!pending) throw new Error('nobody waits for it any more');
        await mkdir(dirname(pending.dest), { recursive: true });
        await rename(r.partial, pending.dest);
        pending.resolve({ path: pending.dest, size: r.size, sha256 });
      })
      .catch(async (err: Error) => {
        await rm(r.partial, { force: true });
        this.emit('log', `${r.file} from bridge ${this.remoteId} was dropped: ${err.message}`);
        pending?.resolve(`${r.file} from bridge ${this.remoteId} was dropped: ${err.message}`);
      });
  }

  private fail(reason: string): void {
    this.emit('log', `closing the link to bridge ${this.remoteId}: ${reason}`);
    this.channel.destroy();
  }

  private finish(): void {
    clearTimeout(this.helloTimer);
    const r = this.receiving;
    if (r) void r.writes.then(() => r.handle.then((fh) => fh.close())).finally(() => rm(r.partial, { force: true }));
    this.receiving = undefined;
    for (const p of [...this.pending.values()]) p.resolve(`the link to bridge ${this.remoteId} closed`);
    this.emit('close', this.proved ? 'closed' : 'closed before its hello');
  }
}
