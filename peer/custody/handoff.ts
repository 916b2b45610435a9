import { describeError } from '../../common/errors.js';
import type { Tagged } from '../../common/message-table.js';
import { peerMessages, type CustodyFile, type PeerMessages } from '../../common/wire/peer-messages.js';
import type { ServerMessages } from '../../common/wire/server-messages.js';
import type { PeerRef } from '../../common/wire/shapes.js';
import type { PeerContext } from '../peer-context.js';
import type { PeerChannel } from '../transport/peer-listener.js';
import { fetchInto, type FetchDeps } from './fetch-into.js';
import type { HandoffBook } from './handoff-book.js';

/** What the owner's side of custody needs of the peer. */
export interface HandoffDeps extends FetchDeps {
  /** Asks the metadata server for the plan; undefined when it cannot answer. */
  plan(): Promise<ServerMessages['custody-plan'] | undefined>;
  book: HandoffBook;
  /** This peer's `shared/`, where returned files go. */
  sharedDir: string;
  /** The SHA-256 of every file this peer holds now. */
  held(): Promise<Set<string>>;
}

/** How long a custodian may take per byte, beyond a fixed minute: a slow LAN still finishes, a dead one does not. */
const DEADLINE_BASE_MS = 60_000;
const DEADLINE_BYTES_PER_MS = 10_000; // 10 MB/s

const names = (files: CustodyFile[]) => files.map((f) => f.name);
const bytesOf = (files: CustodyFile[]) => files.reduce((sum, f) => sum + f.size, 0);

/**
 * The owner's side of custody (docs/PROTOCOL.md "Custody"). On `Stop`, `handOff` asks the metadata server which of
 * its files no other member holds and who keeps them, offers them to that custodian, and waits while the custodian
 * fetches them, verified, from this peer (the owner serves them as any upload); a custodian that goes away is
 * replaced once. Back from anywhere, `onReturn` takes back from a custodian what this peer handed it and lacks.
 */
export class Handoff {
  constructor(
    private readonly ctx: PeerContext,
    private readonly deps: HandoffDeps,
  ) {}

  /** Hands off this peer's unique files; resolves when done or given up (never throws). */
  async handOff(): Promise<void> {
    for (let attempt = 1; attempt <= 2; attempt++) {
      const plan = await this.deps.plan().catch(() => undefined);
      if (!plan) {
        this.ctx.log('no handoff: the metadata server cannot say which files only this peer holds', 'warn');
        return;
      }
      if (plan.files.length === 0) return;
      const files = plan.files;
      if (!plan.custodian) {
        const reason = `${plan.reason}; these files leave with this peer`;
        this.ctx.emit({ event: 'handoff-failed', to: '', files: names(files), bytes: bytesOf(files), reason });
        return;
      }
      const to = plan.custodian;
      this.ctx.emit({ event: 'handoff-started', to: to.name, files: names(files), bytes: bytesOf(files) });
      const result = await this.offer(to, files);
      if (typeof result === 'string') {
        const retry = attempt < 2 ? '; asking for another custodian' : '; these files leave with this peer';
        const body = { event: 'handoff-failed', to: to.name, files: names(files), bytes: bytesOf(files) } as const;
        this.ctx.emit({ ...body, reason: `${result}${retry}` });
        if (attempt < 2) await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      const ok = files.filter((f) => result.some((r) => r.sha256 === f.sha256 && r.ok));
      const failed = files.filter((f) => !ok.includes(f));
      if (ok.length) this.deps.book.record(to, ok);
      if (ok.length) this.ctx.emit({ event: 'handoff-complete', to: to.name, files: names(ok), bytes: bytesOf(ok) });
      if (failed.length) {
        const reason = result.find((r) => !r.ok)?.reason ?? 'not taken';
        const body = { event: 'handoff-failed', to: to.name, files: names(failed), bytes: bytesOf(failed) } as const;
        this.ctx.emit({ ...body, reason: `${reason}; these files leave with this peer` });
      }
      return;
    }
  }

  /** A custodian offers back what it keeps for this peer: take what was handed to it and is missing, then release. */
  async onReturn(channel: PeerChannel, body: PeerMessages['custody-return']): Promise<void> {
    const custodian = body.custodian;
    if (channel.identity?.id !== custodian.id) return void channel.destroy();
    channel.setIdleTimeout(0); // the custodian waits, silent, while this peer fetches its files over others
    const handed = this.deps.book.handedTo(custodian.id);
    const offered = body.files.filter((f) => handed.some((h) => h.sha256 === f.sha256 && h.name === f.name));
    const held = await this.deps.held();
    const back: CustodyFile[] = [];
    for (const f of offered.filter((f) => !held.has(f.sha256))) {
      const got = await fetchInto(this.deps, custodian, f, this.deps.sharedDir);
      if (got.ok) back.push(f);
      else this.ctx.log(`${f.name} could not be taken back from ${custodian.name}: ${got.reason}`, 'warn');
    }
    const released = [...offered.filter((f) => held.has(f.sha256)), ...back].map((f) => f.sha256);
    channel.send('custody-released', { files: released });
    channel.end();
    this.deps.book.settle(custodian.id, released);
    if (back.length)
      this.ctx.emit({ event: 'files-returned', from: custodian.name, files: names(back), bytes: bytesOf(back) });
  }

  /** Offers the files to the custodian and waits for its result, or says why there is none. */
  private async offer(to: PeerRef, files: CustodyFile[]): Promise<PeerMessages['custody-result']['files'] | string> {
    let channel: PeerChannel;
    try {
      channel = await this.deps.transport.dial(to, peerMessages, { idleTimeoutMs: 0 });
    } catch (err) {
      return `${to.name} cannot be reached (${describeError(err)})`;
    }
    if (channel.identity?.id !== to.id) {
      channel.destroy();
      return `the peer at ${to.host}:${to.port} is not ${to.name}`;
    }
    const deadlineMs = DEADLINE_BASE_MS + bytesOf(files) / DEADLINE_BYTES_PER_MS;
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => finish(`${to.name} did not finish within ${Math.round(deadlineMs / 1000)} s`),
        deadlineMs,
      );
      const finish = (outcome: PeerMessages['custody-result']['files'] | string) => {
        clearTimeout(timer);
        channel.off('message', onMessage);
        channel.end();
        resolve(outcome);
      };
      const onMessage = (msg: Tagged<PeerMessages>) => {
        if (msg.kind === 'custody-result') finish(msg.body.files);
        else if (msg.kind === 'decline') finish(`${to.name} declined: ${msg.body.reason}`);
        else finish(`${to.name} answered ${msg.kind}`);
      };
      channel.on('message', onMessage);
      channel.once('close', () => finish(`${to.name} closed the connection before it had taken the files`));
      channel.send('custody-offer', { owner: this.deps.self(), files });
    });
  }
}
