import type { RegistryResult } from '../registry-protocol.js';
import { RegistryFixture } from './registry-fixture.js';

/**
 * Racing joins against the real registry service, in process: `count` peers are welcomed in order, and each goes
 * live (dials its referrals, all successfully, then says `listening`) only after `lag` later peers were welcomed, so
 * referrals are handed out before the links they stand for are reported. Repair advice is followed at the next step.
 * Then every peer heartbeats once a second until the server advises nothing more. The links are what the peers
 * themselves hold (symmetric).
 */
export class RacingJoins {
  readonly f: RegistryFixture;
  /** Each peer's links, by connection id (peer `p<i>` has connection i + 1). */
  readonly links = new Map<number, Set<number>>();
  private readonly referrals = new Map<number, number[]>();
  private advice: [number, number][] = [];
  /** Every piece of advice the server gave, as [from, to]. */
  readonly advised: [number, number][] = [];

  constructor(readonly count: number) {
    this.f = new RegistryFixture({ maxPeers: count, portLow: 30000, portHigh: 30000 + count + 10 });
  }

  /** `firstAtOnce`: the first peer goes live before the second is welcomed (one live peer while a crowd joins). */
  run(lag: number, { stepMs = 10, firstAtOnce = false } = {}): this {
    for (let i = 0; i < this.count + lag; i++) {
      if (i < this.count) this.join(i);
      if (i === 0 && firstAtOnce) this.live(0);
      if (i - lag > 0 || (i - lag === 0 && !firstAtOnce)) this.live(i - lag);
      this.f.clock += stepMs;
      this.follow();
    }
    this.follow();
    for (let quiet = 0, round = 0; quiet < 5 && round < 60; round++) {
      this.f.clock += 1000;
      for (let i = 0; i < this.count; i++) this.beat(i);
      quiet = this.advice.length === 0 ? quiet + 1 : 0;
      this.follow();
    }
    return this;
  }

  degrees(): number[] {
    return [...this.links.values()].map((s) => s.size).sort((a, b) => a - b);
  }

  /** Hop count of the longest shortest path, or Infinity when the links do not connect every peer. */
  diameter(): number {
    let worst = 0;
    for (const start of this.links.keys()) {
      const hops = new Map([[start, 0]]);
      const queue = [start];
      for (let h = 0; h < queue.length; h++)
        for (const next of this.links.get(queue[h]!)!)
          if (!hops.has(next)) (hops.set(next, hops.get(queue[h]!)! + 1), queue.push(next));
      if (hops.size < this.links.size) return Number.POSITIVE_INFINITY;
      worst = Math.max(worst, ...hops.values());
    }
    return worst;
  }

  private join(i: number): void {
    const result = this.f.join(i + 1, `p${i}`);
    if (result.reply?.kind !== 'welcome') throw new Error(`p${i} was not admitted: ${JSON.stringify(result.reply)}`);
    this.links.set(i + 1, new Set());
    this.referrals.set(
      i + 1,
      result.reply.body.referrals.map((r) => this.conn(r.name)),
    );
  }

  private live(i: number): void {
    const me = i + 1;
    for (const to of this.referrals.get(me)!) this.link(me, to);
    const port = this.f.registry.port(this.f.registry.findByConn(me));
    this.collect(me, this.f.send(me, 'listening', { port, neighbours: this.names(me) }));
    for (const to of this.referrals.get(me)!) this.beat(to - 1);
  }

  private beat(i: number): void {
    this.collect(i + 1, this.f.send(i + 1, 'heartbeat', { neighbours: this.names(i + 1) }));
  }

  private follow(): void {
    const advice = this.advice;
    this.advice = [];
    for (const [from, to] of advice) {
      this.link(from, to);
      this.beat(from - 1);
      this.beat(to - 1);
    }
  }

  private collect(me: number, result: RegistryResult): void {
    const pushed = result.pushes.map((p) => [p.connId, p.message] as const);
    const own = result.reply ? [[me, result.reply] as const] : [];
    for (const [conn, msg] of [...own, ...pushed]) {
      if (msg.kind !== 'heartbeat-ack') continue;
      for (const ref of msg.body.link) {
        this.advice.push([conn, this.conn(ref.name)]);
        this.advised.push([conn, this.conn(ref.name)]);
      }
    }
  }

  private link(a: number, b: number): void {
    if (a === b) return;
    this.links.get(a)!.add(b);
    this.links.get(b)!.add(a);
  }

  private names(conn: number): string[] {
    return [...this.links.get(conn)!].map((c) => `p${c - 1}`);
  }

  private conn(name: string): number {
    return Number(name.slice(1)) + 1;
  }
}
