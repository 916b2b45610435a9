import { performance } from 'node:perf_hooks';
import type { TraceStepMessage } from '../../common/wire/peer-messages.js';
import type { TraceResult, TraceStep } from '../control/peer-events.js';

/** Most steps one trace keeps (and one relay passes on per trace): one per copy of the query that a peer received. */
export const MAX_TRACE_STEPS = 1000;

export interface TraceCollectorOptions {
  /** Finish once no step came for this long. Default 300 ms. */
  quietMs?: number;
  /** Longest wait. Default 2000 ms. */
  timeoutMs?: number;
  /** Clock (ms), replaceable in tests. */
  now?: () => number;
}

/**
 * Gathers the steps of one traced search at its origin. It finishes when steps stop coming for `quietMs` (counted
 * from the send, so a mesh with nobody to ask answers at once) and at the latest at `timeoutMs`, like TOPO's
 * collector (topology-collector.ts), and not before every peer that answered has dialled back with its offer (the
 * deadline still holds). Each peer reports once per copy it received: a second report of the same (peer, from) is
 * ignored.
 */
export class TraceCollector {
  private readonly steps = new Map<string, TraceStep>();
  private readonly offers: TraceResult['offers'] = [];
  private rejected = 0;
  private holding = 0;
  /** Peers that answered and whose offer has not arrived yet. */
  private readonly awaited = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  private quietTimer: NodeJS.Timeout;
  private done = false;
  private readonly sentAt: number;
  private readonly now: () => number;
  private readonly quietMs: number;

  constructor(
    readonly qid: string,
    readonly file: string,
    readonly limit: number,
    private readonly onDone: (result: TraceResult) => void,
    options: TraceCollectorOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now());
    this.sentAt = this.now();
    this.quietMs = options.quietMs ?? 300;
    this.timer = setTimeout(() => this.finish(), options.timeoutMs ?? 2000);
    this.quietTimer = setTimeout(() => this.finish(), this.quietMs);
  }

  /** A step believed (its signature checked by the caller). */
  add(step: TraceStepMessage): void {
    if (this.done) return;
    const key = `${step.peer}\u0000${step.from}`;
    if (this.steps.has(key)) return;
    if (this.steps.size >= MAX_TRACE_STEPS) return void this.reject();
    // The estimate cannot be later than the report's arrival here: a step is clamped to what the origin saw.
    const elapsedUs = (this.now() - this.sentAt) * 1000;
    this.steps.set(key, {
      peer: step.peer,
      from: step.from,
      hops: Math.max(1, this.limit - step.hops + 1),
      action: step.action,
      ms: Math.round(Math.min(step.us, elapsedUs) / 10) / 100,
      to: step.to,
    });
    if (step.action === 'answered' && !this.offers.some((o) => o.peer === step.peer)) this.awaited.add(step.peer);
    this.quiet();
  }

  /** A step whose check takes a while (its signer's id is asked of the server): no quiet finish meanwhile. */
  hold(checked: Promise<void>): void {
    if (this.done) return;
    this.holding += 1;
    clearTimeout(this.quietTimer);
    void checked.finally(() => {
      this.holding -= 1;
      this.quiet();
    });
  }

  /** Whether the bound is reached: further steps are only counted. */
  full(): boolean {
    return this.steps.size + this.rejected >= MAX_TRACE_STEPS;
  }

  /** A step not believed, or over the bound; returns how many so far. */
  reject(): number {
    if (!this.done) this.rejected += 1;
    return this.rejected;
  }

  offer(peer: string, bytes: number, sha256: string): void {
    if (this.done || this.offers.length >= 16) return;
    this.offers.push({ peer, bytes, sha256 });
    this.awaited.delete(peer);
    this.quiet();
  }

  finish(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    clearTimeout(this.quietTimer);
    const steps = [...this.steps.values()].sort(
      (a, b) => a.ms - b.ms || a.hops - b.hops || a.peer.localeCompare(b.peer),
    );
    const answeredBy = [...new Set(steps.filter((s) => s.action === 'answered').map((s) => s.peer))].sort();
    this.onDone({
      file: this.file,
      query: this.qid,
      limit: this.limit,
      steps,
      reached: new Set(steps.filter((s) => s.action !== 'duplicate').map((s) => s.peer)).size,
      duplicates: steps.filter((s) => s.action === 'duplicate').length,
      answeredBy,
      offers: this.offers,
      rejected: this.rejected,
    });
  }

  private quiet(): void {
    clearTimeout(this.quietTimer);
    if (this.done || this.holding > 0 || this.awaited.size > 0) return;
    this.quietTimer = setTimeout(() => this.finish(), this.quietMs);
  }
}
