import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PortAllocator } from '../port-allocator.js';
import { SharedRegistry } from '../shared-registry.js';

const NOW = 1_000_000;

/** A registry whose slots are filled by hand, so the allocator's view of "held" ports is exact. */
function setup(low: number, high: number, slots = 10, reservedPort = 0) {
  const registry = SharedRegistry.create({ slots, portLow: low, portHigh: high, reservedPort });
  const ports = new PortAllocator(registry);
  let conn = 0;
  const hold = (port: number) => {
    const slot = registry.findFree();
    registry.admit(slot, { name: `p${++conn}`, id: `id-${conn}-xxxx`, host: '127.0.0.1', port, connId: conn }, NOW);
    return slot;
  };
  return { registry, ports, hold };
}

test('hands out distinct ports until the range is exhausted', () => {
  const { ports, hold } = setup(30000, 30004);
  const given: number[] = [];
  for (let i = 0; i < 5; i++) {
    const port = ports.allocate(NOW);
    assert.ok(port >= 30000 && port <= 30004, `port ${port} is in the range`);
    given.push(port);
    hold(port);
  }
  assert.is(new Set(given).size, 5);
  assert.is(ports.allocate(NOW), 0, 'nothing is left');
});

test('a port freed by a peer can be handed out again', () => {
  const { registry, ports, hold } = setup(30000, 30001);
  const a = hold(ports.allocate(NOW));
  hold(ports.allocate(NOW));
  assert.is(ports.allocate(NOW), 0);
  const freedPort = registry.port(a);
  registry.free(a);
  assert.is(ports.allocate(NOW), freedPort);
});

test('does not hand a freed port straight back while others are free', () => {
  const { registry, ports, hold } = setup(30000, 30009);
  const a = hold(ports.allocate(NOW));
  const first = registry.port(a);
  registry.free(a);
  assert.is.not(ports.allocate(NOW), first);
});

test('skips a port reported busy until its busy time has passed', () => {
  const { ports } = setup(30000, 30002);
  ports.markBusy(30000, NOW, 1000);
  ports.markBusy(30001, NOW, 1000);
  assert.is(ports.allocate(NOW), 30002);
  assert.is(ports.allocate(NOW + 500), 30002, 'still the only non-busy one');
  assert.ok([30000, 30001].includes(ports.allocate(NOW + 1001)), 'busy ports come back after their time');
});

test('returns 0 when every free port is busy', () => {
  const { ports } = setup(30000, 30001);
  ports.markBusy(30000, NOW, 1000);
  ports.markBusy(30001, NOW, 1000);
  assert.is(ports.allocate(NOW), 0);
});

test('grants a requested port when nobody holds it, even outside the range', () => {
  const { ports, hold } = setup(30000, 30009);
  assert.is(ports.allocate(NOW, { requested: 30005 }), 30005);
  assert.is(ports.allocate(NOW, { requested: 41000 }), 41000);
  hold(30005);
  const other = ports.allocate(NOW, { requested: 30005 });
  assert.ok(other !== 30005 && other >= 30000 && other <= 30009, 'a held port is not granted twice');
});

test("never hands out the reserved port (the server's own)", () => {
  const { ports, hold } = setup(30000, 30002, 10, 30001);
  const seen = new Set<number>();
  for (let port = ports.allocate(NOW); port !== 0; port = ports.allocate(NOW)) {
    seen.add(port);
    hold(port);
  }
  assert.equal([...seen].sort(), [30000, 30002]);
});

test.run();
