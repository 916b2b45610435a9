/**
 * Separate hosts on one machine for tests: network namespaces joined by a bridge that is connected to nothing else,
 * on a private /24 the test checks is unused. Traffic never leaves this machine (docs/PLATFORM.md). Needs root and
 * iproute2; `available()` says whether they are here.
 */
import { execFileSync } from 'node:child_process';

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function tc(...args: string[]): string {
  return execFileSync('tc', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export class LanHosts {
  readonly tag = `p2p${process.pid % 10000}${Math.floor(Math.random() * 100)}`;
  readonly bridge = `${this.tag}br`;
  readonly subnet: string;
  readonly namespaces: string[] = [];
  private created = false;

  constructor() {
    const used = ip('-4', 'addr');
    let third = 0;
    for (let tries = 0; tries < 50 && third === 0; tries++) {
      const candidate = 100 + Math.floor(Math.random() * 150);
      if (!used.includes(`10.213.${candidate}.`)) third = candidate;
    }
    this.subnet = `10.213.${third}`;
  }

  static available(): boolean {
    try {
      if (process.getuid?.() !== 0) return false;
      ip('netns', 'list');
      return true;
    } catch {
      return false;
    }
  }

  /** The bridge's own address, for a process in the root namespace (the metadata server). */
  get gateway(): string {
    return `${this.subnet}.1`;
  }

  /** Makes `count` hosts; returns their addresses. Host i is `namespaces[i]` at `${subnet}.${10 + i}`. */
  up(count: number): string[] {
    this.created = true;
    ip('link', 'add', this.bridge, 'type', 'bridge');
    ip('addr', 'add', `${this.gateway}/24`, 'dev', this.bridge);
    ip('link', 'set', this.bridge, 'up');
    const addresses: string[] = [];
    for (let i = 0; i < count; i++) {
      const ns = `${this.tag}h${i}`;
      const outside = `${this.tag}v${i}`;
      ip('netns', 'add', ns);
      this.namespaces.push(ns);
      ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      ip('link', 'set', outside, 'master', this.bridge);
      ip('link', 'set', outside, 'up');
      const address = `${this.subnet}.${10 + i}`;
      ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      addresses.push(address);
    }
    return addresses;
  }

  /**
   * Cuts host i off silently, as a pulled cable does: its link leaves the bridge, so nothing it sends arrives and
   * nothing reaches it, and neither end sees a FIN or a reset. `heal(i)` plugs it back in.
   */
  cut(i: number): void {
    ip('link', 'set', `${this.tag}v${i}`, 'nomaster');
  }

  heal(i: number): void {
    ip('link', 'set', `${this.tag}v${i}`, 'master', this.bridge);
  }

  /**
   * Shapes host i's link with a token bucket (`tc qdisc … tbf`), both ways: `up` on its own end (what it sends),
   * `down` on the bridge's end (what reaches it). Rates in Mbit/s; `undefined` leaves that direction as it is.
   */
  shape(i: number, rates: { upMbit?: number; downMbit?: number }): void {
    const tbf = (mbit: number) => {
      // A burst of 4 ms at the rate, never under 32 KiB: enough for a full-size segment burst, small enough to pace.
      const burst = Math.max(32 * 1024, Math.round((mbit * 1e6) / 8 / 250));
      return ['root', 'tbf', 'rate', `${mbit}mbit`, 'burst', String(burst), 'latency', '100ms'];
    };
    if (rates.upMbit !== undefined)
      tc('-n', this.namespaces[i]!, 'qdisc', 'replace', 'dev', 'eth0', ...tbf(rates.upMbit));
    if (rates.downMbit !== undefined) tc('qdisc', 'replace', 'dev', `${this.tag}v${i}`, ...tbf(rates.downMbit));
  }

  /** Command prefix that runs a program on host i. */
  exec(i: number): string[] {
    return ['ip', 'netns', 'exec', this.namespaces[i]!];
  }

  /** Removes every namespace and the bridge (their veth pairs go with them). Idempotent. */
  down(): void {
    if (!this.created) return;
    this.created = false;
    for (const ns of this.namespaces) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone
      }
    }
    try {
      ip('link', 'del', this.bridge);
    } catch {
      // already gone
    }
  }
}
