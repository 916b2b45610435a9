/**
 * Separate hosts on one machine for tests and the testnet (testnet/README.md): network namespaces joined by a bridge
 * that is connected to nothing else, on a private /24 checked unused. Traffic never leaves this machine
 * (docs/PLATFORM.md). Needs root and iproute2; `available()` says whether they are here.
 *
 * Two modes. By default the bridge is in this machine's own namespace with `gateway` as its address, so a process
 * here (a test's metadata server) reaches the hosts. `isolated`: the bridge lives in a namespace of its own
 * (`${tag}-sw`) and nothing at all is added to this machine's namespace (no interface, address or route); every
 * process runs on one of the hosts. Interface names are then local to those namespaces and cannot collide.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function tc(...args: string[]): string {
  return execFileSync('tc', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * The network namespaces that exist now, by name: the files in /run/netns, which is where `ip netns` keeps them
 * (`ip netns list` also prints errors for a namespace being deleted at that moment).
 */
export function listNamespaces(): string[] {
  try {
    return readdirSync('/run/netns');
  } catch {
    return []; // no namespace was ever made here
  }
}

/**
 * Ends every process still inside these namespaces (SIGKILL: a namespace outlives `ip netns del` while a process
 * holds it), then deletes them; their veth ends and bridges go with them. Names already gone are skipped.
 */
export function removeNamespaces(names: string[]): void {
  for (const ns of names) {
    let pids: number[] = [];
    try {
      pids = ip('netns', 'pids', ns).split(/\s+/).filter(Boolean).map(Number);
    } catch {
      continue; // already gone
    }
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
    try {
      ip('netns', 'del', ns);
    } catch {
      // already gone
    }
  }
}

/** Does this kernel have the netem qdisc (delay, loss)? Tried on the loopback of a scratch namespace. */
export function netemAvailable(): boolean {
  const scratch = `p2pnetem${process.pid}`;
  try {
    ip('netns', 'add', scratch);
  } catch {
    return false;
  }
  try {
    tc('-n', scratch, 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms');
    return true;
  } catch {
    return false;
  } finally {
    removeNamespaces([scratch]);
  }
}

export interface LanHostsOptions {
  /** Prefix of every name made. Default `p2p` plus this process's id and a random number. */
  tag?: string;
  /** The /24's first three octets (`10.214.7`). Default: a 10.213.x that no address here uses. */
  subnet?: string;
  /** The bridge in a namespace of its own; nothing added to this machine's namespace (see above). Default false. */
  isolated?: boolean;
}

/** What a link gets with `impair()`: netem delay and loss, under a tbf rate when given. */
export interface LinkImpairment {
  rateMbit?: number;
  delayMs?: number;
  lossPct?: number;
}

export class LanHosts {
  readonly tag: string;
  readonly subnet: string;
  readonly isolated: boolean;
  readonly namespaces: string[] = [];
  /** The bridge's name (in the switch namespace when isolated). */
  readonly bridge: string;
  private created = false;
  private split2 = false;

  constructor(options: LanHostsOptions = {}) {
    this.isolated = options.isolated ?? false;
    this.tag = options.tag ?? `p2p${process.pid % 10000}${Math.floor(Math.random() * 100)}`;
    this.bridge = this.isolated ? 'br0' : `${this.tag}br`;
    if (options.subnet !== undefined) {
      this.subnet = options.subnet;
      return;
    }
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

  /** The bridge's own address, for a process in the root namespace (the metadata server). Not when isolated. */
  get gateway(): string {
    if (this.isolated) throw new Error('an isolated LAN has no gateway in this machine: run every process on a host');
    return `${this.subnet}.1`;
  }

  /** The namespace that holds the bridge when isolated. */
  get switchNamespace(): string {
    return `${this.tag}-sw`;
  }

  /** Host i's address as made by `up()`. */
  address(i: number): string {
    return `${this.subnet}.${10 + i}`;
  }

  /**
   * Every namespace `up(count, names)` would make: host i is `${tag}h${i}`, or when isolated `${tag}-${names[i]}`
   * (default `h${i}`), plus the switch namespace.
   */
  namesFor(count: number, names?: string[]): string[] {
    const hosts = Array.from({ length: count }, (_, i) =>
      this.isolated ? `${this.tag}-${names?.[i] ?? `h${i}`}` : `${this.tag}h${i}`,
    );
    return this.isolated ? [this.switchNamespace, ...hosts] : hosts;
  }

  /**
   * Makes `count` hosts; returns their addresses. Host i is `namespaces[i]` at `address(i)`. Refuses (throws, having
   * made nothing) when a namespace of that name already exists: it belongs to someone else.
   */
  up(count: number, names?: string[]): string[] {
    const wanted = this.namesFor(count, names);
    const taken = wanted.filter((n) => listNamespaces().includes(n));
    if (taken.length > 0) throw new Error(`network namespace ${taken.join(', ')} already exists: not touching it`);
    this.created = true;
    if (this.isolated) {
      ip('netns', 'add', this.switchNamespace);
      this.sw('link', 'add', this.bridge, 'type', 'bridge');
    } else {
      ip('link', 'add', this.bridge, 'type', 'bridge');
      ip('addr', 'add', `${this.gateway}/24`, 'dev', this.bridge);
    }
    this.sw('link', 'set', this.bridge, 'up');
    const addresses: string[] = [];
    for (let i = 0; i < count; i++) {
      const ns = wanted[this.isolated ? i + 1 : i]!;
      ip('netns', 'add', ns);
      this.namespaces.push(ns);
      this.sw('link', 'add', this.outside(i), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      this.sw('link', 'set', this.outside(i), 'master', this.bridge);
      this.sw('link', 'set', this.outside(i), 'up');
      const address = this.address(i);
      ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      addresses.push(address);
    }
    return addresses;
  }

  /** `ip` on the bridge's side: the switch namespace when isolated, else this machine's. */
  private sw(...args: string[]): string {
    return this.isolated ? ip('-n', this.switchNamespace, ...args) : ip(...args);
  }

  /** The bridge's end of host i's veth pair. */
  private outside(i: number): string {
    return this.isolated ? `v${i}` : `${this.tag}v${i}`;
  }

  /**
   * Cuts host i off silently, as a pulled cable does: its link leaves the bridge, so nothing it sends arrives and
   * nothing reaches it, and neither end sees a FIN or a reset. `heal(i)` plugs it back in.
   */
  cut(i: number): void {
    this.sw('link', 'set', this.outside(i), 'nomaster');
  }

  heal(i: number): void {
    this.sw('link', 'set', this.outside(i), 'master', this.bridge);
  }

  /**
   * Splits the LAN in two, silently like `cut()`: the hosts of `group` move to a second bridge, where they reach
   * each other and nobody else. `rejoin()` puts them back.
   */
  split(group: number[]): void {
    const second = this.isolated ? 'br1' : `${this.tag}b1`;
    if (!this.split2) {
      this.sw('link', 'add', second, 'type', 'bridge');
      this.sw('link', 'set', second, 'up');
      this.split2 = true;
    }
    for (const i of group) this.sw('link', 'set', this.outside(i), 'master', second);
  }

  /** Every host back on the one bridge (after `split()`, or `cut()` of any). */
  rejoin(): void {
    for (let i = 0; i < this.namespaces.length; i++) this.heal(i);
  }

  /** Gives host i a new address on the LAN (its old one is gone), as a laptop that moved gets. */
  readdress(i: number, address: string): void {
    const ns = this.namespaces[i]!;
    ip('-n', ns, 'addr', 'flush', 'dev', 'eth0');
    ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
  }

  /**
   * Shapes host i's link with a token bucket (`tc qdisc … tbf`), both ways: `up` on its own end (what it sends),
   * `down` on the bridge's end (what reaches it). Rates in Mbit/s; `undefined` leaves that direction as it is.
   */
  shape(i: number, rates: { upMbit?: number; downMbit?: number }): void {
    if (rates.upMbit !== undefined)
      tc('-n', this.namespaces[i]!, 'qdisc', 'replace', 'dev', 'eth0', 'root', ...tbf(rates.upMbit));
    if (rates.downMbit !== undefined)
      this.tcOutside('qdisc', 'replace', 'dev', this.outside(i), 'root', ...tbf(rates.downMbit));
  }

  /**
   * Both ends of host i's link get netem delay and loss (`netemAvailable()` must be true), under a tbf at `rateMbit`
   * when given: tbf at the root, netem as its child.
   */
  impair(i: number, link: LinkImpairment): void {
    const netem = [
      'netem',
      ...(link.delayMs ? ['delay', `${link.delayMs}ms`] : []),
      ...(link.lossPct ? ['loss', `${link.lossPct}%`] : []),
    ];
    const ends: ((...a: string[]) => string)[] = [
      (...a) => tc('-n', this.namespaces[i]!, ...a),
      (...a) => this.tcOutside(...a),
    ];
    const dev = ['eth0', this.outside(i)];
    ends.forEach((run, end) => {
      if (link.rateMbit === undefined) return void run('qdisc', 'replace', 'dev', dev[end]!, 'root', ...netem);
      run('qdisc', 'replace', 'dev', dev[end]!, 'root', 'handle', '1:', ...tbf(link.rateMbit));
      run('qdisc', 'replace', 'dev', dev[end]!, 'parent', '1:1', 'handle', '10:', ...netem);
    });
  }

  private tcOutside(...args: string[]): string {
    return this.isolated ? tc('-n', this.switchNamespace, ...args) : tc(...args);
  }

  /** Command prefix that runs a program on host i. */
  exec(i: number): string[] {
    return ['ip', 'netns', 'exec', this.namespaces[i]!];
  }

  /**
   * Removes every namespace (ending what still runs inside) and the bridges (their veth pairs go with them).
   * Idempotent.
   */
  down(): void {
    if (!this.created) return;
    this.created = false;
    removeNamespaces(this.isolated ? [...this.namespaces, this.switchNamespace] : this.namespaces);
    if (this.isolated) return;
    for (const bridge of [this.bridge, `${this.tag}b1`]) {
      try {
        ip('link', 'del', bridge);
      } catch {
        // already gone, or never made
      }
    }
  }
}

/** A token bucket's arguments: a burst of 4 ms at the rate, never under 32 KiB (a full-size segment burst). */
function tbf(mbit: number): string[] {
  const burst = Math.max(32 * 1024, Math.round((mbit * 1e6) / 8 / 250));
  return ['tbf', 'rate', `${mbit}mbit`, 'burst', String(burst), 'latency', '100ms'];
}
