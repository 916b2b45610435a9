/**
 * NeighbourSet over in-memory duplex pairs (no sockets): the real dial/accept/add path, with a Dialer that connects
 * two sets through a pair instead of TCP.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Channel } from '../../common/channel.js';
import type { HostPort } from '../../common/host-port.js';
import type { MessageTable } from '../../common/message-table.js';
import { peerMessages, type PeerMessages } from '../../common/wire/peer-messages.js';
import { duplexPair } from '../../common/test/duplex-pair.js';
import { NeighbourSet } from '../mesh/neighbour-set.js';
import type { DialOptions, Dialer } from '../transport/transport.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** What the identity proof would have given (common/identity-proof.ts): only the id matters to NeighbourSet. */
const proved = (id: string) => ({ id, publicKey: Buffer.alloc(32) });

/** An in-memory "network": port → the set listening there. Dialled connections open with a first message, as PeerListener sorts them. */
class MemoryNet {
  readonly sets = new Map<number, NeighbourSet>();
  readonly ids = new Map<number, string>();

  /** A dialler for the set whose id is `myId`: each end of a pair learns the other's id, as the proof gives it. */
  dialer(myId: string): Dialer {
    const net = this;
    return {
      async dial<M extends object>(
        target: HostPort,
        table: MessageTable<M>,
        options: DialOptions = {},
      ): Promise<Channel<M>> {
        const acceptor = net.sets.get(target.port);
        if (!acceptor) throw new Error(`connect ECONNREFUSED ${target.port}`);
        const [a, b] = duplexPair();
        const theirs = new Channel<PeerMessages>(b, peerMessages, { remote: 'memory', identity: proved(myId) });
        theirs.once('message', (msg) => {
          if (msg.kind === 'hello') acceptor.accept(theirs, msg.body);
          else theirs.destroy();
        });
        return new Channel(a, table, {
          remote: `memory:${target.port}`,
          identity: proved(net.ids.get(target.port)!),
          ...(options.idleTimeoutMs ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
        });
      },
    };
  }
}

function peer(net: MemoryNet, name: string, id: string, port: number, maxNeighbours?: number) {
  const events: string[] = [];
  const set = new NeighbourSet(() => ({ name, id, host: 'memory', port, neighbours: set.names() }), net.dialer(id), {
    pingIntervalMs: 20,
    ...(maxNeighbours === undefined ? {} : { maxNeighbours }),
  });
  set.on('up', (link) => events.push(`up ${link.name}`));
  set.on('failed', (n, reason) => events.push(`failed ${n}: ${reason}`));
  set.on('down', (n, reason) => events.push(`down ${n}: ${reason}`));
  net.sets.set(port, set);
  net.ids.set(port, id);
  return { set, events, ref: { name, id, host: 'memory', port } };
}

test('crossed dials: both ends keep the link dialled by the smaller id, and nobody sees a neighbour-down', async () => {
  const net = new MemoryNet();
  const a = peer(net, 'alice', 'aaaaaaaaaa', 1);
  const b = peer(net, 'bob', 'bbbbbbbbbb', 2);
  await Promise.all([a.set.dial(b.ref), b.set.dial(a.ref)]);
  await sleep(100); // superseded links close; pings flow on the kept one
  assert.equal(a.set.names(), ['bob']);
  assert.equal(b.set.names(), ['alice']);
  assert.is(a.set.get('bob')!.dialerId, 'aaaaaaaaaa');
  assert.is(b.set.get('alice')!.dialerId, 'aaaaaaaaaa');
  assert.equal(a.events, ['up bob']);
  assert.equal(b.events, ['up alice']);
  assert.ok(
    a.set.get('bob')!.channel.isOpen && b.set.get('alice')!.channel.isOpen,
    'the kept link is open on both ends',
  );
  assert.ok(a.set.get('bob')!.rttMs !== null, 'pings answered over the kept link');
  a.set.closeAll('test over');
  b.set.closeAll('test over');
});

test('the same outcome when the larger id dials first', async () => {
  const net = new MemoryNet();
  const a = peer(net, 'alice', 'aaaaaaaaaa', 1);
  const b = peer(net, 'bob', 'bbbbbbbbbb', 2);
  const late = sleep(1).then(() => a.set.dial(b.ref));
  await Promise.all([b.set.dial(a.ref), late]);
  await sleep(100);
  assert.equal([a.set.names(), b.set.names()], [['bob'], ['alice']]);
  assert.is(a.set.get('bob')!.dialerId, b.set.get('alice')!.dialerId, 'both ends kept the same link');
  assert.not.ok(a.events.some((e) => e.startsWith('down')) || b.events.some((e) => e.startsWith('down')));
  a.set.closeAll('test over');
  b.set.closeAll('test over');
});

test('a neighbour back from another address (same id) replaces the stale link to its old one at once', async () => {
  const net = new MemoryNet();
  const a = peer(net, 'alice', 'aaaaaaaaaa', 1);
  const b = peer(net, 'bob', 'bbbbbbbbbb', 2);
  await b.set.dial(a.ref);
  // bob restarts elsewhere while its old link still looks open (a host that lost power), and dials alice again: the
  // new link has the same dialler id as the stale one, which the crossed-dial rule alone would keep.
  const back = peer(net, 'bob', 'bbbbbbbbbb', 3);
  try {
    await back.set.dial(a.ref);
    await sleep(50);
    assert.is(a.set.get('bob')!.ref.port, 3, 'alice links to bob at its new address');
    assert.ok(a.set.get('bob')!.channel.isOpen);
    assert.equal(back.set.names(), ['alice']);
    assert.equal(a.events, ['up bob', 'up bob'], 'alice says bob is up at its new address; no neighbour-down');
  } finally {
    for (const p of [a, b, back]) p.set.closeAll('test over');
  }
});

test('a peer holding its most neighbours declines one more with bye; the dialler says why, and links elsewhere', async () => {
  const net = new MemoryNet();
  const hub = peer(net, 'hub', 'hhhhhhhhhh', 1, 2);
  const others = ['a', 'b', 'c'].map((n, i) => peer(net, n, n.repeat(10), 10 + i));
  try {
    for (const o of others.slice(0, 2)) await o.set.dial(hub.ref);
    const c = others[2]!;
    await c.set.dial(hub.ref);
    assert.equal(hub.set.names(), ['a', 'b'], 'the hub keeps two');
    assert.equal(c.set.names(), []);
    assert.ok(
      c.events.some((e) => /^failed hub: hub declined the link: hub holds 2 neighbours, its most/.test(e)),
      c.events.join('; '),
    );
    assert.ok(
      hub.events.some((e) => /^failed c: declined its link/.test(e)),
      hub.events.join('; '),
    );
    await c.set.dial(others[0]!.ref);
    assert.equal(c.set.names(), ['a'], 'another peer takes it');
    // A neighbour already linked may link again (a restart at a new address) even at the most.
    await others[0]!.set.dial(hub.ref);
    assert.equal(hub.set.names(), ['a', 'b']);
  } finally {
    for (const p of [hub, ...others]) p.set.closeAll('test over');
  }
});

test('a neighbour that goes silent is reported down after its dead-after time, while we keep pinging it', async () => {
  const [x, y] = duplexPair();
  // A hand-made neighbour that never says anything (a frozen process whose kernel still holds the connection).
  const frozen = new Channel<PeerMessages>(y, peerMessages, { idleTimeoutMs: 0 });
  const unused: Dialer = { dial: () => Promise.reject(new Error('unused')) };
  const set = new NeighbourSet(
    () => ({ name: 'alice', id: 'aaaaaaaaaa', host: 'memory', port: 1, neighbours: [] }),
    unused,
    { pingIntervalMs: 10, deadAfterMs: 80 },
  );
  const events: string[] = [];
  set.on('down', (n, reason) => events.push(`down ${n}: ${reason}`));
  set.accept(new Channel<PeerMessages>(x, peerMessages, { identity: proved('zzzzzzzzzz') }), {
    name: 'zed',
    id: 'zzzzzzzzzz',
    host: 'memory',
    port: 9,
    neighbours: [],
  });
  const started = Date.now();
  while (events.length === 0 && Date.now() - started < 1000) await sleep(10);
  assert.ok(
    events.some((e) => /^down zed: .*nothing received/.test(e)),
    events.join('; '),
  );
  assert.ok(Date.now() - started >= 70);
  frozen.destroy();
});

test('a hello is refused unless its id is the one its connection proved, and it cannot take over a name', async () => {
  const unused: Dialer = { dial: () => Promise.reject(new Error('unused')) };
  const set = new NeighbourSet(
    () => ({ name: 'alice', id: 'aaaaaaaaaa', host: 'memory', port: 1, neighbours: [] }),
    unused,
    { pingIntervalMs: 1000, liveIdOf: (name) => (name === 'carol' ? 'cccccccccc' : undefined) },
  );
  const failed: string[] = [];
  set.on('failed', (name, reason) => failed.push(`${name}: ${reason}`));
  const hello = (name: string, id: string) => ({ name, id, host: 'memory', port: 9, neighbours: [] });
  const offer = (provedId: string, name: string, claimedId: string) => {
    const [x, y] = duplexPair();
    const far = new Channel<PeerMessages>(y, peerMessages, { idleTimeoutMs: 0 });
    const near = new Channel<PeerMessages>(x, peerMessages, { identity: proved(provedId) });
    set.accept(near, hello(name, claimedId));
    return { near, far };
  };
  // Claims bob's id over a connection that proved another.
  const forged = offer('mmmmmmmmmm', 'bob', 'bbbbbbbbbb');
  assert.not.ok(forged.near.isOpen);
  assert.equal(set.names(), []);
  // bob, proved: linked.
  const bob = offer('bbbbbbbbbb', 'bob', 'bbbbbbbbbb');
  assert.ok(bob.near.isOpen);
  assert.equal(set.names(), ['bob']);
  // Someone else, proving its own id, says it is bob: bob's link stays.
  const second = offer('mmmmmmmmmm', 'bob', 'mmmmmmmmmm');
  assert.not.ok(second.near.isOpen);
  assert.ok(bob.near.isOpen);
  // carol is live with another id on the metadata server's list.
  const carol = offer('mmmmmmmmmm', 'carol', 'mmmmmmmmmm');
  assert.not.ok(carol.near.isOpen);
  assert.equal(set.names(), ['bob']);
  assert.is(failed.length, 3, failed.join('; '));
  assert.match(failed[0]!, /proved id mmmmmmmmmm/);
  assert.match(failed[1]!, /linked with id bbbbbbbbbb/);
  assert.match(failed[2]!, /lists carol with id cccccccccc/);
  set.closeAll('test over');
  for (const c of [forged, bob, second, carol]) c.far.destroy();
});

test.run();
