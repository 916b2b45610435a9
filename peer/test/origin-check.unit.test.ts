import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PeerInfo, PeerRef } from '../../common/wire/shapes.js';
import { OriginCheck } from '../mesh/origin-check.js';

const ref = (name: string, port: number): PeerRef => ({ name, id: `${name}-id-0000`, host: '10.0.0.1', port });
const info = (r: PeerRef): PeerInfo => ({ ...r, neighbours: [] });
/** The sentence when `where` refuses, or the address it would dial as `host:port`. */
const shown = (w: PeerRef | string) => (typeof w === 'string' ? w : `${w.host}:${w.port}`);

/** A check whose server answers with `list` (undefined: unreachable), counting the requests. */
function checker(list: PeerInfo[] | undefined, neighbours: PeerRef[] = [], seen: PeerRef[] = []) {
  const clock = { now: 0, asked: 0, list };
  const check = new OriginCheck({
    neighbours: () => neighbours,
    livePeers: async () => (clock.asked++, clock.list),
    seen: () => seen,
    now: () => clock.now,
  });
  const where = async (origin: PeerRef) => shown(await check.where(origin));
  return { check, clock, where };
}

test('a neighbour and a live peer are dialled only at the address the mesh knows', async () => {
  const far = ref('far', 4000);
  const { where } = checker([info(far)], [ref('near', 4001)]);
  assert.is(await where(ref('near', 4001)), '10.0.0.1:4001');
  assert.is(await where(far), '10.0.0.1:4000');
  assert.match(
    await where({ ...far, port: 22 }),
    /^the query names far at 10\.0\.0\.1:22, but the mesh knows far at 10\.0\.0\.1:4000: not dialled$/,
  );
  assert.match(await where({ ...far, host: '10.9.9.9' }), /not dialled/);
  assert.match(await where({ ...far, id: 'another-id-0' }), /not dialled/);
  assert.match(await where(ref('ghost', 4000)), /does not know: not dialled/);
  assert.match(await where({ ...ref('near', 4001), port: 80 }), /not dialled/);
});

test('an origin advertising an unspecified host is dialled where the server registered it', async () => {
  const far = ref('far', 4000);
  const { where } = checker([info(far)]);
  assert.is(await where({ ...far, host: '0.0.0.0' }), '10.0.0.1:4000');
  assert.match(await where({ ...far, host: '0.0.0.0', port: 22 }), /not dialled/);
});

test("the server's list answers for a second; a peer it does not name is looked up again", async () => {
  const far = ref('far', 4000);
  const { check, clock, where } = checker([info(far)]);
  check.note([info(far)], 0);
  clock.now = 900;
  assert.is(await where(far), '10.0.0.1:4000');
  assert.is(clock.asked, 0, 'a fresh list is enough');
  const newcomer = ref('new', 4002);
  clock.list = [info(far), info(newcomer)];
  assert.is(await where(newcomer), '10.0.0.1:4002', 'joined after the last list: asked again');
  assert.is(clock.asked, 1);
  clock.now = 5000;
  assert.is(await where(far), '10.0.0.1:4000');
  assert.is(clock.asked, 2, 'a stale list is asked again');
});

test('while the server cannot answer, its last list and the address book stand in; nothing else does', async () => {
  const far = ref('far', 4000);
  const holder = ref('holder', 4003);
  const { check, clock, where } = checker(undefined, [], [holder]);
  check.note([info(far)], 0);
  clock.now = 60_000;
  assert.is(await where(far), '10.0.0.1:4000');
  assert.is(await where(holder), '10.0.0.1:4003');
  assert.match(await where({ ...far, port: 22 }), /not dialled/);
  assert.match(await where(ref('ghost', 1)), /not dialled/);
});

test('a silent server is not waited for when its last list names the origin: the list stands in', async () => {
  const far = ref('far', 4000);
  const check = new OriginCheck(
    { neighbours: () => [], livePeers: () => new Promise(() => {}), seen: () => [], now: () => 60_000 },
    { standInAfterMs: 30 },
  );
  check.note([info(far)], 0);
  const started = Date.now();
  assert.is(shown(await check.where(far)), '10.0.0.1:4000');
  assert.ok(Date.now() - started < 1000, `answered after ${Date.now() - started} ms`);
  // An origin nobody named still waits for the server's answer: it is never guessed.
  const waiting = check.where(ref('ghost', 1)).then(() => 'answered');
  assert.is(await Promise.race([waiting, new Promise((r) => setTimeout(() => r('waiting'), 100))]), 'waiting');
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
  const first = check.where(ref('a', 1));
  clock.now = 1;
  const later = Array.from({ length: 100 }, (_, i) => check.where(ref(`x${i}`, 1)));
  release([info(ref('a', 1))]);
  assert.is(shown(await first), '10.0.0.1:1');
  await new Promise((r) => setImmediate(r));
  release([]);
  const all = await Promise.all(later);
  assert.ok(all.every((p) => typeof p === 'string'));
  assert.is(asked, 2);
});

test('an address a peer advertised for itself (the address book) never cuts a slow server short, nor overrules its list', async () => {
  const mallory = ref('mallory', 40001);
  const advertised = { ...mallory, host: '192.0.2.7', port: 22 };
  const slowServer = (list: PeerInfo[]) => () => new Promise<PeerInfo[]>((r) => setTimeout(() => r(list), 300));
  const check = new OriginCheck(
    { neighbours: () => [], livePeers: slowServer([info(mallory)]), seen: () => [advertised], now: () => Date.now() },
    { standInAfterMs: 30 },
  );
  // The server answers in 300 ms: its answer, not the book, decides.
  assert.match(shown(await check.where(advertised)), /the mesh knows mallory at 10\.0\.0\.1:40001: not dialled/);
  // The server gone, its last list naming mallory elsewhere: the book does not overrule it.
  const gone = new OriginCheck({
    neighbours: () => [],
    livePeers: async () => undefined,
    seen: () => [advertised],
    now: () => 60_000,
  });
  gone.note([info(mallory)], 0);
  assert.match(shown(await gone.where(advertised)), /not dialled/);
  assert.is(shown(await gone.where(mallory)), '10.0.0.1:40001');
});

test.run();
