/** The swarm's watch for sources that can no longer help (peer/transfer/starved-sources.ts), on a given clock. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { StarvedSources } from '../transfer/starved-sources.js';

function rig(names: string[], useful: Set<string>) {
  const drops: string[] = [];
  const watch = new StarvedSources(
    1000,
    () => names,
    (n) => useful.has(n),
    (why) => drops.push(why),
  );
  watch.stop(); // swept by hand below
  return { watch, drops };
}

test('drops the sources once none could help for the whole time, and not before', () => {
  const { watch, drops } = rig(['d1', 'd2'], new Set());
  watch.sweep(0);
  watch.sweep(999);
  assert.equal(drops, []);
  watch.sweep(1000);
  assert.equal(drops.length, 1);
  assert.match(drops[0]!, /no source holds any missing piece \(for 1 s\)/);
});

test('one useful source resets the watch', () => {
  const useful = new Set<string>();
  const { watch, drops } = rig(['d1', 'd2'], useful);
  watch.sweep(0);
  useful.add('d2');
  watch.sweep(600);
  useful.clear();
  watch.sweep(1200); // starved again from here
  watch.sweep(2100);
  assert.equal(drops, []);
  watch.sweep(2200);
  assert.equal(drops.length, 1);
});

test('no source at all is not a starved swarm (the swarm searches again on its own)', () => {
  const { watch, drops } = rig([], new Set());
  watch.sweep(0);
  watch.sweep(5000);
  assert.equal(drops, []);
});

test('its timer sweeps on its own until stopped', async () => {
  const drops: string[] = [];
  const watch = new StarvedSources(
    100,
    () => ['d1'],
    () => false,
    (why) => drops.push(why),
  );
  for (const until = Date.now() + 3000; drops.length === 0 && Date.now() < until;)
    await new Promise((r) => setTimeout(r, 20));
  watch.stop();
  assert.ok(drops.length >= 1, 'dropped within 3 s at 100 ms');
  const n = drops.length;
  await new Promise((r) => setTimeout(r, 300));
  assert.is(drops.length, n, 'nothing after stop');
});

test.run();
