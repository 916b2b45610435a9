import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PeerInfo, PeerRef } from '../../common/wire/shapes.js';
import { OriginCheck } from '../mesh/origin-check.js';

const ref = (name: string, port: number): PeerRef => ({ name, id: `${name}-id-0000`, host: '10.0.0.1', port });
const info = (r: PeerRef): PeerInfo => ({ ...r, neighbours: [] });

/** A check whose server answers with `list` (undefined: unreachable), counting the requests. */
function checker(list: PeerInfo[] | undefined, neighbours: PeerRef[] = [], seen: PeerRef[] = []) {
  const clock = { now: 0, asked: 0, list };
  const check = new OriginCheck({
    neighbours: () => neighbours,
    livePeers: async () => (clock.asked++, clock.list),
    seen: () => seen,
    now: () => clock.now,
  });
  return { check, clock };
}

test('a neighbour and a live peer are dialled only at the address the mesh knows', async () => {
  const far = ref('far', 4000);
  const { check } = checker([info(far)], [ref('near', 4001)]);
  assert.is(await check.problem(ref('near', 4001)), undefined);
  assert.is(await check.problem(far), undefined);
  assert.match((await check.problem({ ...far, port: 22 })) ?? '', /mesh knows far at 10\.0\.0\.1:4000: not dialled/);
  assert.match((await check.problem({ ...far, host: '10.9.9.9' })) ?? '', /not dialled/);
  assert.match((await check.problem({ ...far, id: 'another-id-0' })) ?? '', /not dialled/);
  assert.match((await check.problem(ref('ghost', 4000))) ?? '', /does not know: not dialled/);
  assert.match((await check.problem({ ...ref('near', 4001), port: 80 })) ?? '', /not dialled/);
});

test("the server's list answers for a second; a peer it does not name is looked up again", async () => {
  const far = ref('far', 4000);
  const { check, clock } = checker([info(far)]);
  check.note([info(far)], 0);
  clock.now = 900;
  assert.is(await check.problem(far), undefined);
  assert.is(clock.asked, 0, 'a fresh list is enough');
  const newcomer = ref('new', 4002);
  clock.list = [info(far), info(newcomer)];
  assert.is(await check.problem(newcomer), undefined, 'joined after the last list: asked again');
  assert.is(clock.asked, 1);
  clock.now = 5000;
  assert.is(await check.problem(far), undefined);
  assert.is(clock.asked, 2, 'a stale list is asked again');
});

test('while the server cannot answer, its last list and the address book stand in; nothing else does', async () => {
  const far = ref('far', 4000);
  const holder = ref('holder', 4003);
  const { check, clock } = checker(undefined, [], [holder]);
  check.note([info(far)], 0);
  clock.now = 60_000;
  assert.is(await check.problem(far), undefined);
  assert.is(await check.problem(holder), undefined);
  assert.match((await check.problem({ ...far, port: 22 })) ?? '', /not dialled/);
  assert.match((await check.problem(ref('ghost', 1))) ?? '', /not dialled/);
});

test('many lookups at once make at most two requests', async () => {
  let release: (v: PeerInfo[]) => void = () => undefined;
  let asked = 0;
  const clock = { now: 0 };
  const check = new OriginCheck({
    neighbours: () => [],
    livePeers: () => (asked++, new Promise((r) => (release = r))),
    seen: () => [],
    now: () => clock.now,
  });
  const first = check.problem(ref('a', 1));
  clock.now = 1;
  const later = Array.from({ length: 100 }, (_, i) => check.problem(ref(`x${i}`, 1)));
  release([info(ref('a', 1))]);
  assert.is(await first, undefined);
  await new Promise((r) => setImmediate(r));
  release([]);
  const all = await Promise.all(later);
  assert.ok(all.every((p) => p !== undefined));
  assert.is(asked, 2);
});

test.run();
